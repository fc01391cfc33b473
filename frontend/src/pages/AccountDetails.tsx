import { Anchor } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { useAccount } from '../auth/account';
import { useSession } from '../auth/session';
import { AccountDetailsForm } from '../components/AccountDetailsForm';
import { AuthLayout } from '../components/AuthLayout';
import { useScreen } from '../hooks/useScreen';

// AccountDetailsPage: the first thing a verified customer fills in. The
// route guard keeps them here until the details are saved.
export function AccountDetailsPage() {
  useScreen('account-details');
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { signOut } = useSession();
  const { setAccount, reload } = useAccount();
  return (
    <AuthLayout
      title={t('accountDetails.title')}
      subtitle={t('accountDetails.subtitle')}
      testid="acct-card"
      width={560}
      footer={
        <Anchor
          component="button"
          type="button"
          size="sm"
          data-testid="acct-signout"
          onClick={() => void signOut().catch(() => undefined).then(() => navigate('/signin'))}
        >
          {t('common.signOut')}
        </Anchor>
      }
    >
      <AccountDetailsForm
        mode="customer"
        onCreated={(account) => {
          setAccount(account);
          // The answer has the account; myAccount adds the user's role in it.
          void reload().catch(() => undefined);
          navigate('/', { replace: true });
        }}
      />
    </AuthLayout>
  );
}
