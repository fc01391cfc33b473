import { List, PasswordInput, Stack, Text, type PasswordInputProps } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import type { TFunction } from 'i18next';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type FieldError, type PasswordPolicy } from '../api';
import { fieldErrorText } from '../api/errors';

// policyHint describes a password policy in one short line.
export function policyHint(t: TFunction, p: PasswordPolicy): string {
  const required: string[] = [];
  if (p.requireUpper) required.push(t('password.upper'));
  if (p.requireLower) required.push(t('password.lower'));
  if (p.requireDigit) required.push(t('password.digit'));
  if (p.requireSpecial) required.push(t('password.special'));
  const parts = [t('password.hintLength', { min: p.minLength, max: p.maxLength })];
  parts.push(required.length ? t('password.hintMust', { list: required.join(t('password.hintJoin')) }) : t('password.hintNoRules'));
  const s = parts.join('; ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

interface PasswordFieldProps extends Omit<PasswordInputProps, 'value' | 'description'> {
  value?: string;
  testid: string;
  policy: PasswordPolicy;
  // Whose password it is, so the backend can refuse one that contains them.
  email?: string;
  name?: string;
}

// PasswordField is a password input that asks the backend, as the user
// types (debounced), which rules the password breaks and lists them below.
export function PasswordField({ value = '', testid, policy, email, name, error, ...rest }: PasswordFieldProps) {
  const { t } = useTranslation();
  const key = JSON.stringify([value, email ?? '', name ?? '', policy.name]);
  const [debounced] = useDebouncedValue(key, 250);
  const [problems, setProblems] = useState<FieldError[] | null>(null);
  const [checkedKey, setCheckedKey] = useState<string | null>(null);
  const seq = useRef(0);

  useEffect(() => {
    const n = ++seq.current;
    const [password, mail, who] = JSON.parse(debounced) as [string, string, string];
    if (!password) {
      setProblems(null);
      setCheckedKey(debounced);
      return;
    }
    api
      .checkPassword({ password, email: mail || undefined, name: who || undefined })
      .then((r) => {
        if (seq.current !== n) return;
        setProblems(r?.problems ?? []);
        setCheckedKey(debounced);
      })
      .catch(() => {
        // The check only helps; the real verdict comes on submit.
        if (seq.current !== n) return;
        setProblems(null);
        setCheckedKey(debounced);
      });
  }, [debounced]);

  const fresh = checkedKey === key;
  // When the live list already says what the submit refused, the input only
  // turns red instead of saying it twice.
  const errorString = typeof error === 'string' ? error : null;
  const shown = problems ?? [];
  const covered = !!value && errorString !== null && shown.some((p) => fieldErrorText(t, p) === errorString);

  let live: ReactNode = null;
  if (value && !fresh && problems === null) {
    live = (
      <Text size="xs" c="dimmed" data-testid={`${testid}-checking`}>
        {t('password.checking')}
      </Text>
    );
  } else if (value && problems && shown.length > 0) {
    live = (
      <List size="xs" spacing={2} c="red.8" data-testid={`${testid}-problems`} style={{ opacity: fresh ? 1 : 0.6 }}>
        {shown.map((p) => (
          <List.Item key={p.code} data-code={p.code}>
            {fieldErrorText(t, p)}
          </List.Item>
        ))}
      </List>
    );
  } else if (value && fresh && problems && problems.length === 0) {
    live = (
      <Text size="xs" c="teal.8" data-testid={`${testid}-ok`}>
        {t('password.ok')}
      </Text>
    );
  }

  return (
    <Stack gap={6}>
      <PasswordInput
        {...rest}
        value={value}
        error={covered ? true : error}
        description={<span data-testid={`${testid}-policy`}>{policyHint(t, policy)}</span>}
        autoComplete="new-password"
        data-testid={testid}
        visibilityToggleButtonProps={{ 'aria-label': t('common.showPassword') }}
      />
      <div aria-live="polite">{live}</div>
    </Stack>
  );
}
