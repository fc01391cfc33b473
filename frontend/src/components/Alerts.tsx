import { Alert, type AlertProps } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { ApiError } from '../api';
import { errorText } from '../api/errors';
import { IconAlert, IconCheck, IconInfo } from './icons';

interface ErrorAlertProps extends Omit<AlertProps, 'children'> {
  error: ApiError | null;
  secondsLeft?: number;
  testid: string;
}

// ErrorAlert shows a backend error, translated; nothing when there is none.
export function ErrorAlert({ error, secondsLeft, testid, ...rest }: ErrorAlertProps) {
  const { t } = useTranslation();
  if (!error) return null;
  return (
    <Alert color="red" variant="light" icon={<IconAlert />} role="alert" data-testid={testid} data-code={error.body.code} {...rest}>
      {errorText(t, error, secondsLeft)}
    </Alert>
  );
}

export function SuccessAlert({ testid, ...rest }: AlertProps & { testid: string }) {
  return <Alert color="teal" variant="light" icon={<IconCheck />} role="status" data-testid={testid} {...rest} />;
}

export function InfoAlert({ testid, ...rest }: AlertProps & { testid: string }) {
  return <Alert color="indigo" variant="light" icon={<IconInfo />} role="status" data-testid={testid} {...rest} />;
}
