import { Anchor, Button, Checkbox, Group, PasswordInput, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { api, isDesktop } from '../api';
import { useSession } from '../auth/session';
import { ErrorAlert } from '../components/Alerts';
import { AuthLayout } from '../components/AuthLayout';
import { useApiError } from '../hooks/useApiError';
import { useFieldErrors } from '../hooks/useFieldErrors';
import { useScreen } from '../hooks/useScreen';

export function SignInPage() {
  useScreen('signin');
  const { t } = useTranslation();
  const { setUser } = useSession();
  const [busy, setBusy] = useState(false);
  const failure = useApiError();
  const form = useForm({ initialValues: { email: '', password: '', remember: false } });
  const showErrors = useFieldErrors(form);

  const submit = form.onSubmit(async (values) => {
    if (busy || failure.blocked) return;
    setBusy(true);
    failure.set(null);
    try {
      const session = await api.signIn({ email: values.email.trim(), password: values.password, remember: values.remember });
      // The route guard takes it from here (verification or home).
      setUser(session.user);
    } catch (e) {
      const { general } = showErrors(e, ['email', 'password']);
      failure.set(general);
      setBusy(false);
    }
  });

  return (
    <AuthLayout
      title={t('signin.title')}
      subtitle={t('signin.subtitle')}
      testid="signin-card"
      footer={
        <>
          {t('signin.noAccount')}{' '}
          <Anchor component={Link} to="/register" data-testid="signin-register">
            {t('signin.register')}
          </Anchor>
        </>
      }
    >
      <form onSubmit={submit} noValidate>
        <ErrorAlert error={failure.error} secondsLeft={failure.secondsLeft} testid="signin-error" mb="md" />
        <TextInput
          label={t('common.email')}
          placeholder={t('common.emailPlaceholder')}
          type="email"
          autoComplete="username"
          withAsterisk
          autoFocus
          data-testid="signin-email"
          {...form.getInputProps('email')}
        />
        <PasswordInput
          mt="md"
          label={t('signin.password')}
          autoComplete="current-password"
          withAsterisk
          data-testid="signin-password"
          visibilityToggleButtonProps={{ 'aria-label': t('common.showPassword') }}
          {...form.getInputProps('password')}
        />
        <Group justify="space-between" mt="md">
          <Checkbox label={t('signin.remember')} data-testid="signin-remember" {...form.getInputProps('remember', { type: 'checkbox' })} />
          <Anchor component={Link} to="/forgot" size="sm" data-testid="signin-forgot">
            {t('signin.forgot')}
          </Anchor>
        </Group>
        <Button type="submit" fullWidth mt="xl" loading={busy} disabled={failure.blocked} data-testid="signin-submit">
          {t('signin.submit')}
        </Button>
        {isDesktop() && (
          <Text ta="center" size="sm" mt="md">
            <Anchor component={Link} to="/sync/connect" size="sm" c="dimmed" data-testid="signin-sync-connect">
              {t('sync.signinLink')}
            </Anchor>
          </Text>
        )}
      </form>
    </AuthLayout>
  );
}
