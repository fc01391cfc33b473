import { Badge, Box, Button, Group, Radio, SegmentedControl, Select, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type Account, type AccountDetails, type AccountType, type FieldError } from '../api';
import { asApiError, fieldErrorText, fieldsAsGeneral, splitErrors } from '../api/errors';
import { DETAILS_FIELDS, SECTORS } from '../account/fields';
import { useSession } from '../auth/session';
import { useApiError } from '../hooks/useApiError';
import { useDraft } from '../hooks/useDraft';
import { useFieldErrors } from '../hooks/useFieldErrors';
import { deadlineIn, formatClock, useCountdown } from '../hooks/useCountdown';
import { phoneExample } from '../lib/intl';
import { formatTime } from '../pages/VerifyPhone';
import { ErrorAlert, InfoAlert } from './Alerts';
import { CodeInput } from './CodeInput';
import { IconCheck } from './icons';

// Field errors arrive as "details.firstName"; some answers may name the
// bare field. Both land at the field.
const ERROR_PATHS = [...DETAILS_FIELDS.map((f) => `details.${f}`), ...DETAILS_FIELDS];
const bare = (fields: Record<string, string>): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields)) {
    const name = k.startsWith('details.') ? k.slice(8) : k;
    if (!out[name]) out[name] = v;
  }
  return out;
};

interface Sent {
  phone: string;
  until: number;
  landline: boolean;
}

interface AccountDetailsFormProps {
  // 'staff' when back-office staff open an account on a customer's behalf.
  mode: 'customer' | 'staff';
  onCreated: (a: Account) => void;
}

// AccountDetailsForm: who the customer is and a phone number confirmed by a
// code (SMS to a mobile, a voice call to a landline). "Create" is always
// enabled; the backend says what is missing, at each field.
export function AccountDetailsForm({ mode, onCreated }: AccountDetailsFormProps) {
  const { t, i18n } = useTranslation();
  const { user, config, setUser } = useSession();
  const [busy, setBusy] = useState(false);
  const failure = useApiError();
  const phoneFailure = useApiError();
  // A reload gives back what was typed (one draft per user and mode).
  const draft = useDraft<AccountDetails>(`account-details.${mode}.${user?.id ?? ''}`);
  const [initial] = useState(() =>
    draft.restore({
      type: 'company',
      firstName: '',
      lastName: '',
      companyName: '',
      sector: '',
      sectorOther: '',
      phoneType: 'mobile',
      phone: mode === 'customer' ? user?.phone ?? '' : '',
    }),
  );
  const form = useForm<AccountDetails>({
    initialValues: initial,
    onValuesChange: draft.save,
  });
  const showErrors = useFieldErrors(form);

  const [sending, setSending] = useState(false);
  const [sent, setSent] = useState<Sent | null>(null);
  const [resendAt, setResendAt] = useState<number | null>(null);
  const resendLeft = useCountdown(resendAt);
  const [code, setCode] = useState('');
  const [codeError, setCodeError] = useState<FieldError | null>(null); // translated as shown
  const [verifying, setVerifying] = useState(false);
  const [verifiedPhone, setVerifiedPhone] = useState<string | null>(null);

  const values = form.values;
  const phone = values.phone.trim();
  const verified = verifiedPhone !== null && verifiedPhone === phone && phone !== '';
  const awaitingCode = sent !== null && sent.phone === phone && !verified;
  const landline = values.phoneType === 'landline';
  const lang = i18n.resolvedLanguage ?? 'en';
  const region = config.defaultRegion ?? '';

  const sectors = useMemo(() => SECTORS.map((s) => ({ value: s, label: t(`sectors.${s}`) })), [t]);

  const unauthorized = (e: unknown) => {
    if (asApiError(e).body.code !== 'unauthorized') return false;
    setUser(null);
    return true;
  };

  const send = async () => {
    if (sending || resendLeft > 0 || phoneFailure.blocked) return;
    setSending(true);
    phoneFailure.set(null);
    form.setFieldError('phone', null);
    form.setFieldError('phoneType', null);
    setCodeError(null);
    try {
      const res = await api.sendAccountPhoneCode({ phoneType: values.phoneType, phone });
      setSent({ phone, until: deadlineIn(res?.expiresInSeconds) ?? Date.now(), landline });
      setResendAt(deadlineIn(res?.resendAfterSeconds));
      setCode('');
    } catch (e) {
      if (unauthorized(e)) return;
      const { fields, general } = splitErrors(t, e, ['phone', 'phoneType']);
      form.setErrors({ ...form.errors, ...fields });
      phoneFailure.set(general && fieldsAsGeneral(general));
    } finally {
      setSending(false);
    }
  };

  const verify = async () => {
    if (verifying || phoneFailure.blocked) return;
    setVerifying(true);
    phoneFailure.set(null);
    setCodeError(null);
    try {
      await api.verifyAccountPhone({ phone, code });
      setVerifiedPhone(phone);
      setSent(null);
      setResendAt(null);
      setCode('');
      form.setFieldError('phone', null);
    } catch (e) {
      if (unauthorized(e)) return;
      const { fields, general } = splitErrors(t, e, ['code', 'phone']);
      setCodeError(asApiError(e).fieldErrors().code ?? null);
      if (fields.phone) form.setFieldError('phone', fields.phone);
      phoneFailure.set(general && fieldsAsGeneral(general));
    } finally {
      setVerifying(false);
    }
  };

  const submit = form.onSubmit(async (v) => {
    if (busy || failure.blocked) return;
    setBusy(true);
    failure.set(null);
    const details: AccountDetails = {
      type: v.type,
      firstName: v.firstName.trim(),
      lastName: v.lastName.trim(),
      companyName: v.type === 'company' ? v.companyName.trim() : '',
      sector: v.sector,
      sectorOther: v.sector === 'other' ? v.sectorOther.trim() : '',
      phoneType: v.phoneType,
      phone: v.phone.trim(),
    };
    try {
      const account = await api.saveAccountDetails({ accountId: '', details });
      draft.clear();
      onCreated(account);
    } catch (e) {
      if (unauthorized(e)) return;
      const { general } = showErrors(e, ERROR_PATHS, bare);
      failure.set(general && fieldsAsGeneral(general));
      setBusy(false);
    }
  });

  const waiting = Math.max(resendLeft, phoneFailure.blocked ? phoneFailure.secondsLeft ?? 0 : 0);

  return (
    <form onSubmit={submit} noValidate data-testid="acct-form">
      <Stack gap="md">
        <ErrorAlert error={failure.error} secondsLeft={failure.secondsLeft} testid="acct-error" />
        <Box>
          <Text component="div" size="sm" fw={500} mb={6} id="acct-type-label">
            {t('accountDetails.type')}
          </Text>
          <SegmentedControl
            fullWidth
            aria-labelledby="acct-type-label"
            data={(['individual', 'company'] as const).map((v) => ({
              value: v,
              label: (
                <span data-testid={`acct-type-${v}`} data-checked={values.type === v}>
                  {t(`accountDetails.${v}`)}
                </span>
              ),
            }))}
            value={values.type}
            onChange={(v) => form.setFieldValue('type', v as AccountType)}
          />
          {form.errors.type && (
            <Text size="xs" c="red.7" mt={4} role="alert">
              {form.errors.type}
            </Text>
          )}
        </Box>
        <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="md">
          <TextInput
            label={t('accountDetails.firstName')}
            autoComplete={mode === 'customer' ? 'given-name' : 'off'}
            withAsterisk
            data-testid="acct-first-name"
            {...form.getInputProps('firstName')}
          />
          <TextInput
            label={t('accountDetails.lastName')}
            autoComplete={mode === 'customer' ? 'family-name' : 'off'}
            withAsterisk
            data-testid="acct-last-name"
            {...form.getInputProps('lastName')}
          />
        </SimpleGrid>
        {values.type === 'company' && (
          <TextInput
            label={t('accountDetails.companyName')}
            description={mode === 'customer' ? t('accountDetails.companyNameHint') : undefined}
            autoComplete={mode === 'customer' ? 'organization' : 'off'}
            withAsterisk
            data-testid="acct-company-name"
            {...form.getInputProps('companyName')}
          />
        )}
        <Select
          label={t('accountDetails.sector')}
          placeholder={t('accountDetails.sectorPlaceholder')}
          data={sectors}
          searchable
          nothingFoundMessage={t('accountDetails.sectorNothing')}
          allowDeselect={false}
          withAsterisk
          maxDropdownHeight={300}
          data-testid="acct-sector"
          {...form.getInputProps('sector')}
          onChange={(v) => form.setFieldValue('sector', (v ?? '') as AccountDetails['sector'])}
        />
        {values.sector === 'other' && (
          <TextInput
            label={t('accountDetails.sectorOther')}
            withAsterisk
            data-testid="acct-sector-other"
            {...form.getInputProps('sectorOther')}
          />
        )}

        <Radio.Group
          label={t('accountDetails.phoneType')}
          withAsterisk
          value={values.phoneType}
          onChange={(v) => form.setFieldValue('phoneType', v as AccountDetails['phoneType'])}
          error={form.errors.phoneType}
        >
          <Group gap="xl" mt={6}>
            <Radio value="mobile" label={t('accountDetails.mobile')} data-testid="acct-phone-mobile" />
            <Radio value="landline" label={t('accountDetails.landline')} data-testid="acct-phone-landline" />
          </Group>
        </Radio.Group>

        <TextInput
          label={t('accountDetails.phone')}
          description={landline ? t('accountDetails.phoneHintLandline') : t('accountDetails.phoneHintMobile')}
          placeholder={phoneExample(region, landline)}
          type="tel"
          autoComplete={mode === 'customer' ? 'tel' : 'off'}
          withAsterisk
          data-testid="acct-phone"
          rightSectionWidth={verified ? 112 : undefined}
          rightSection={
            verified ? (
              <Badge color="teal" variant="light" leftSection={<IconCheck size={12} />} data-testid="acct-phone-verified">
                {t('accountDetails.verified')}
              </Badge>
            ) : null
          }
          {...form.getInputProps('phone')}
        />
        <ErrorAlert error={phoneFailure.error} secondsLeft={phoneFailure.secondsLeft} testid="acct-phone-error" />
        {!verified && (
          <Group gap="sm" wrap="wrap">
            <Button
              variant={awaitingCode ? 'default' : 'light'}
              size="sm"
              onClick={() => void send()}
              loading={sending}
              disabled={waiting > 0 || !phone}
              data-testid="acct-phone-send"
              data-seconds-left={waiting}
            >
              {awaitingCode ? t('accountDetails.resend') : t('accountDetails.send')}
            </Button>
            {waiting > 0 && (
              <Text size="sm" c="dimmed" data-testid="acct-phone-wait">
                {t('accountDetails.resendIn', { time: formatClock(waiting) })}
              </Text>
            )}
          </Group>
        )}
        {awaitingCode && sent && (
          <>
            <InfoAlert testid="acct-phone-sent">
              {t(sent.landline ? 'accountDetails.sentLandline' : 'accountDetails.sentMobile', {
                phone: sent.phone,
                time: formatTime(sent.until, lang, user?.timeZone),
              })}
            </InfoAlert>
            <Group gap="sm" align="flex-start" wrap="nowrap">
              <CodeInput
                aria-label={t('accountDetails.code')}
                placeholder={t('accountDetails.codePlaceholder')}
                value={code}
                onChange={setCode}
                error={codeError && fieldErrorText(t, codeError)}
                testid="acct-phone-code"
                w={200}
                onKeyDown={(e) => {
                  if (e.key === 'Enter') {
                    e.preventDefault();
                    void verify();
                  }
                }}
              />
              <Button size="sm" h={36} onClick={() => void verify()} loading={verifying} data-testid="acct-phone-verify">
                {t('accountDetails.verify')}
              </Button>
            </Group>
          </>
        )}

        <Button type="submit" fullWidth mt="sm" loading={busy} disabled={failure.blocked} data-testid="acct-create">
          {t('accountDetails.create')}
        </Button>
      </Stack>
    </form>
  );
}
