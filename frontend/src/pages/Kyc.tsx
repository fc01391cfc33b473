import { useTranslation } from 'react-i18next';
import { Navigate, useParams } from 'react-router-dom';
import { useAccount } from '../auth/account';
import { AppLayout } from '../components/AppLayout';
import { KycScreen } from '../components/kyc/KycScreen';
import { useScreen } from '../hooks/useScreen';

// KycPage: the signed-in customer's own account's KYC (/kyc).
export function KycPage() {
  useScreen('kyc');
  const { t } = useTranslation();
  const { mine } = useAccount();
  const account = mine?.account;
  if (!account) return <Navigate to="/" replace />;
  return (
    <AppLayout size="lg">
      <KycScreen accountId={account.id} backTo="/" backLabel={t('kyc.back')} />
    </AppLayout>
  );
}

// AccountKycPage: a customer account's KYC as staff see it (/accounts/:id/kyc).
export function AccountKycPage() {
  useScreen('account-kyc');
  const { t } = useTranslation();
  const { id = '' } = useParams();
  return (
    <AppLayout size="lg">
      <KycScreen accountId={id} backTo={`/accounts/${encodeURIComponent(id)}`} backLabel={t('kyc.backStaff')} />
    </AppLayout>
  );
}
