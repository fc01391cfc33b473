import { Alert, Anchor, Button, Checkbox, Group, Loader, PasswordInput, Select, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMemo, useState } from 'react';
import { deadlineIn } from '../hooks/useCountdown';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router-dom';
import { api, type RegisterInput } from '../api';
import { useSession } from '../auth/session';
import { ErrorAlert } from '../components/Alerts';
import { IconAlert } from '../components/icons';
import { AuthLayout } from '../components/AuthLayout';
import { PasswordField } from '../components/PasswordField';
import { useApiError } from '../hooks/useApiError';
import { useDraft } from '../hooks/useDraft';
import { useFieldErrors } from '../hooks/useFieldErrors';
import { useScreen } from '../hooks/useScreen';
import { initialTimeZone, phoneExample, regionName, timeZoneFilter, timeZoneOptions } from '../lib/intl';

const REGISTER_SECRETS = ['password', 'passwordConfirm'] as const;
const FIELDS = ['name', 'email', 'password', 'passwordConfirm', 'phone', 'timeZone', 'acceptTerms', 'acceptPrivacy'] as const;

export function RegisterPage() {
  useScreen('register');
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const { config } = useSession();
  const [busy, setBusy] = useState(false);
  // checking: the browser is solving the captcha (web only).
  const [checking, setChecking] = useState(false);
  const [captchaError, setCaptchaError] = useState<string | null>(null);
  const failure = useApiError();

  // A reload gives back what was typed, passwords aside.
  const draft = useDraft<RegisterInput>('register', REGISTER_SECRETS);
  const [initial] = useState(() =>
    draft.restore({
      name: '',
      email: '',
      password: '',
      passwordConfirm: '',
      phone: '',
      timeZone: initialTimeZone(config),
      acceptTerms: false,
      acceptPrivacy: false,
    }),
  );
  const form = useForm<RegisterInput>({
    initialValues: initial,
    onValuesChange: draft.save,
  });
  const showErrors = useFieldErrors(form);

  const zones = useMemo(() => timeZoneOptions(config.timeZones), [config.timeZones]);
  const zoneFilter = useMemo(() => timeZoneFilter(i18n.resolvedLanguage ?? 'en'), [i18n.resolvedLanguage]);

  const region = config.defaultRegion?.toUpperCase() ?? '';
  const phonePlaceholder = phoneExample(region);
  const phoneHint = region
    ? t('register.phoneHint', { region: regionName(region, i18n.resolvedLanguage ?? 'en') })
    : t('register.phoneHintNoRegion');

  const submit = form.onSubmit(async (values) => {
    if (busy || failure.blocked) return;
    setBusy(true);
    failure.set(null);
    setCaptchaError(null);
    try {
      // A fresh challenge for every try: a solution passes once, and the
      // backend spends it even when a field is then refused.
      setChecking(true);
      const captcha = await api.solveCaptcha().finally(() => setChecking(false));
      const res = await api.register(
        { ...values, name: values.name.trim(), email: values.email.trim(), phone: values.phone.trim() },
        captcha,
      );
      draft.clear();
      const email = res?.email || values.email.trim();
      navigate(`/verify-email?email=${encodeURIComponent(email)}`, {
        state: { registered: true, resendAt: deadlineIn(res?.resendAfterSeconds) },
      });
    } catch (e) {
      const { fields, general } = showErrors(e, [...FIELDS, 'captcha']);
      setCaptchaError(fields.captcha ?? null);
      failure.set(general);
      setBusy(false);
    }
  });

  return (
    <AuthLayout
      title={t('register.title')}
      subtitle={t('register.subtitle')}
      testid="register-card"
      footer={
        <>
          {t('register.haveAccount')}{' '}
          <Anchor component={Link} to="/signin" data-testid="register-signin">
            {t('common.signIn')}
          </Anchor>
        </>
      }
    >
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          <ErrorAlert error={failure.error} secondsLeft={failure.secondsLeft} testid="register-error" />
          <TextInput
            label={t('register.name')}
            autoComplete="name"
            withAsterisk
            autoFocus
            data-testid="register-name"
            {...form.getInputProps('name')}
          />
          <TextInput
            label={t('common.email')}
            placeholder={t('common.emailPlaceholder')}
            type="email"
            autoComplete="email"
            withAsterisk
            data-testid="register-email"
            {...form.getInputProps('email')}
          />
          <PasswordField
            label={t('register.password')}
            withAsterisk
            testid="register-password"
            policy={config.passwordPolicy}
            email={form.values.email}
            name={form.values.name}
            {...form.getInputProps('password')}
          />
          <PasswordInput
            label={t('register.passwordConfirm')}
            autoComplete="new-password"
            withAsterisk
            data-testid="register-password-confirm"
            visibilityToggleButtonProps={{ 'aria-label': t('common.showPassword') }}
            {...form.getInputProps('passwordConfirm')}
          />
          <TextInput
            label={t('register.phone')}
            description={phoneHint}
            placeholder={phonePlaceholder}
            type="tel"
            autoComplete="tel"
            withAsterisk
            data-testid="register-phone"
            {...form.getInputProps('phone')}
          />
          <Select
            label={t('register.timeZone')}
            description={t('register.timeZoneHint')}
            data={zones}
            filter={zoneFilter}
            searchable
            allowDeselect={false}
            nothingFoundMessage={t('register.timeZoneNothing')}
            maxDropdownHeight={260}
            withAsterisk
            data-testid="register-timezone"
            {...form.getInputProps('timeZone')}
            onChange={(v) => form.setFieldValue('timeZone', v ?? '')}
          />
          <Checkbox
            label={t('register.terms', { version: config.termsVersion })}
            data-testid="register-terms"
            {...form.getInputProps('acceptTerms', { type: 'checkbox' })}
          />
          <Checkbox
            label={t('register.privacy', { version: config.privacyVersion })}
            data-testid="register-privacy"
            {...form.getInputProps('acceptPrivacy', { type: 'checkbox' })}
          />
          {captchaError && (
            <Alert color="red" variant="light" icon={<IconAlert />} role="alert" data-testid="register-captcha-error">
              {captchaError}
            </Alert>
          )}
          {checking && (
            <Group gap="xs" justify="center" data-testid="register-checking" aria-live="polite">
              <Loader size="xs" type="dots" />
              <Text size="sm" c="dimmed">
                {t('register.checkingBrowser')}
              </Text>
            </Group>
          )}
          <Button type="submit" fullWidth mt="sm" loading={busy} disabled={failure.blocked} data-testid="register-submit">
            {t('register.submit')}
          </Button>
        </Stack>
      </form>
    </AuthLayout>
  );
}
