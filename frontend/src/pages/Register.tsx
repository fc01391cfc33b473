import { Anchor, Button, Checkbox, PasswordInput, Select, Stack, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMemo, useState } from 'react';
import { deadlineIn } from '../hooks/useCountdown';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router-dom';
import { api, type ClientConfig, type RegisterInput } from '../api';
import { splitErrors } from '../api/errors';
import { useSession } from '../auth/session';
import { ErrorAlert } from '../components/Alerts';
import { AuthLayout } from '../components/AuthLayout';
import { PasswordField } from '../components/PasswordField';
import { useApiError } from '../hooks/useApiError';
import { useScreen } from '../hooks/useScreen';

const FIELDS = ['name', 'email', 'password', 'passwordConfirm', 'phone', 'timeZone', 'acceptTerms', 'acceptPrivacy'] as const;

// Sample numbers in international format, per region, for the placeholder.
const PHONE_EXAMPLES: Record<string, string> = {
  RU: '+7 912 345-67-89',
  KZ: '+7 701 234 5678',
  BY: '+375 29 123-45-67',
  UA: '+380 50 123 4567',
  US: '+1 201 555 0123',
  CA: '+1 613 555 0123',
  GB: '+44 7400 123456',
  DE: '+49 1512 3456789',
  FR: '+33 6 12 34 56 78',
  IN: '+91 81234 56789',
  AE: '+971 50 123 4567',
};

function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone ?? '';
  } catch {
    return '';
  }
}

// initialTimeZone: on the desktop the backend knows the machine's zone; in
// a browser the browser's own zone is the better guess about the person.
function initialTimeZone(config: ClientConfig): string {
  const zones = new Set(config.timeZones);
  const browser = browserTimeZone();
  const order = config.desktop ? [config.defaultTimeZone, browser] : [browser, config.defaultTimeZone];
  return order.find((z) => z && zones.has(z)) ?? '';
}

function utcOffset(zone: string): string {
  try {
    const part = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' })
      .formatToParts(new Date())
      .find((p) => p.type === 'timeZoneName');
    return part ? part.value.replace('GMT', 'UTC').replace(/^UTC$/, 'UTC+00:00') : '';
  } catch {
    return '';
  }
}

function regionName(region: string, lang: string): string {
  try {
    return new Intl.DisplayNames([lang], { type: 'region' }).of(region) ?? region;
  } catch {
    return region;
  }
}

export function RegisterPage() {
  useScreen('register');
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const { config } = useSession();
  const [busy, setBusy] = useState(false);
  const failure = useApiError();

  const form = useForm<RegisterInput>({
    initialValues: {
      name: '',
      email: '',
      password: '',
      passwordConfirm: '',
      phone: '',
      timeZone: initialTimeZone(config),
      acceptTerms: false,
      acceptPrivacy: false,
    },
  });

  const zones = useMemo(
    () =>
      config.timeZones.map((z) => {
        const off = utcOffset(z);
        return { value: z, label: off ? `${z} (${off})` : z };
      }),
    [config.timeZones],
  );

  const region = config.defaultRegion?.toUpperCase() ?? '';
  const phonePlaceholder = PHONE_EXAMPLES[region] ?? '+1 201 555 0123';
  const phoneHint = region
    ? t('register.phoneHint', { region: regionName(region, i18n.resolvedLanguage ?? 'en') })
    : t('register.phoneHintNoRegion');

  const submit = form.onSubmit(async (values) => {
    if (busy || failure.blocked) return;
    setBusy(true);
    failure.set(null);
    try {
      const res = await api.register({ ...values, name: values.name.trim(), email: values.email.trim(), phone: values.phone.trim() });
      const email = res?.email || values.email.trim();
      navigate(`/verify-email?email=${encodeURIComponent(email)}`, {
        state: { registered: true, resendAt: deadlineIn(res?.resendAfterSeconds) },
      });
    } catch (e) {
      const { fields, general } = splitErrors(t, e, FIELDS);
      form.setErrors(fields);
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
          <Button type="submit" fullWidth mt="sm" loading={busy} disabled={failure.blocked} data-testid="register-submit">
            {t('register.submit')}
          </Button>
        </Stack>
      </form>
    </AuthLayout>
  );
}
