import { Button, Tooltip, type ButtonProps } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { api, downloadURL, uiLanguage } from '../../api';
import { useSaveFile } from '../../hooks/useSaveFile';
import { IconFile } from '../icons';

interface InvoicePdfButtonProps extends Omit<ButtonProps, 'children'> {
  accountId: string;
  // unsaved: the form shows changes the PDF would not have yet.
  unsaved?: boolean;
}

// InvoicePdfButton: the company's invoice details as a one-page PDF, saved
// through the desktop's save dialog or downloaded in a browser.
export function InvoicePdfButton({ accountId, unsaved = false, ...rest }: InvoicePdfButtonProps) {
  const { t } = useTranslation();
  const { save, busy } = useSaveFile();
  const button = (
    <Button
      variant="default"
      leftSection={<IconFile size={16} />}
      loading={busy === 'invoice'}
      disabled={unsaved}
      onClick={() =>
        void save('invoice', {
          desktop: () => api.saveInvoicePdf({ accountId }),
          web: () => downloadURL.invoice(accountId, uiLanguage()),
        })
      }
      data-testid="export-invoice"
      {...rest}
    >
      {t('exports.invoicePdf')}
    </Button>
  );
  if (!unsaved) return button;
  return (
    <Tooltip label={t('exports.saveFirst')} withArrow>
      <span style={{ display: 'inline-flex' }}>{button}</span>
    </Tooltip>
  );
}
