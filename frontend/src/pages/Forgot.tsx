import { Anchor, Button, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { api } from '../api';
import { ErrorAlert, SuccessAlert } from '../components/Alerts';
import { AuthLayout } from '../components/AuthLayout';
import { useApiError } from '../hooks/useApiError';
import { useFieldErrors } from '../hooks/useFieldErrors';
import { useScreen } from '../hooks/useScreen';

export function ForgotPage() {
  useScreen('forgot');
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const failure = useApiError();
  const form = useForm({ initialValues: { email: '' } });
  const showErrors = useFieldErrors(form);

  const submit = form.onSubmit(async (values) => {
    if (busy || failure.blocked) return;
    setBusy(true);
    failure.set(null);
    try {
      await api.requestPasswordReset({ email: values.email.trim() });
      setDone(true);
    } catch (e) {
      const { general } = showErrors(e, ['email']);
      failure.set(general);
    } finally {
      setBusy(false);
    }
  });

  const back = (
    <Anchor component={Link} to="/signin" data-testid="forgot-signin">
      {t('common.backToSignIn')}
    </Anchor>
  );

  return (
    <AuthLayout title={t('forgot.title')} subtitle={done ? undefined : t('forgot.intro')} testid="forgot-card" footer={back}>
      {done ? (
        <SuccessAlert testid="forgot-done">{t('forgot.done')}</SuccessAlert>
      ) : (
        <form onSubmit={submit} noValidate>
          <ErrorAlert error={failure.error} secondsLeft={failure.secondsLeft} testid="forgot-error" mb="md" />
          <TextInput
            label={t('common.email')}
            placeholder={t('common.emailPlaceholder')}
            type="email"
            autoComplete="username"
            withAsterisk
            autoFocus
            data-testid="forgot-email"
            {...form.getInputProps('email')}
          />
          <Button type="submit" fullWidth mt="xl" loading={busy} disabled={failure.blocked} data-testid="forgot-submit">
            {t('forgot.submit')}
          </Button>
        </form>
      )}
    </AuthLayout>
  );
}
