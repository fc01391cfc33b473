import { Alert, type AlertProps } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Account } from '../api';
import { fieldLabel } from '../account/fields';
import { IconInfo } from './icons';

interface MissingAlertProps extends Omit<AlertProps, 'children'> {
  account: Pick<Account, 'missing' | 'details'>;
  testid: string;
}

// MissingAlert lists, calmly, what the profile still needs, in the words of
// the form's labels. Nothing when nothing is missing.
export function MissingAlert({ account, testid, ...rest }: MissingAlertProps) {
  const { t } = useTranslation();
  const missing = account.missing ?? [];
  if (missing.length === 0) return null;
  const labels = missing.map((p) => fieldLabel(t, p, account.details.type));
  return (
    <Alert
      color="gray"
      variant="light"
      icon={<IconInfo />}
      role="status"
      data-testid={testid}
      data-missing={missing.join(' ')}
      {...rest}
    >
      {t('company.missing', { list: labels.join(', ') })}
    </Alert>
  );
}
