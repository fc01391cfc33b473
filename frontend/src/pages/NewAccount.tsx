import { Anchor, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link, Navigate, useNavigate } from 'react-router-dom';
import { canCreateAccounts } from '../account/fields';
import { useSession } from '../auth/session';
import { AccountDetailsForm } from '../components/AccountDetailsForm';
import { AppLayout } from '../components/AppLayout';
import { IconArrowLeft } from '../components/icons';
import { useScreen } from '../hooks/useScreen';

// NewAccountPage: staff open an account on a customer's behalf, with the
// customer present to read out the phone code.
export function NewAccountPage() {
  useScreen('account-new');
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { user } = useSession();
  if (!canCreateAccounts(user?.role)) return <Navigate to="/accounts" replace />;
  return (
    <AppLayout size="sm">
      <Stack gap="lg">
        <Anchor component={Link} to="/accounts" size="sm" data-testid="account-back">
          <Group gap={6} wrap="nowrap">
            <IconArrowLeft size={16} />
            {t('accountView.back')}
          </Group>
        </Anchor>
        <Paper withBorder radius="md" p="xl" shadow="xs" data-testid="acct-card">
          <Title order={3} fw={600}>
            {t('accountDetails.staffTitle')}
          </Title>
          <Text size="sm" c="dimmed" mt={4} mb="lg">
            {t('accountDetails.staffSubtitle')}
          </Text>
          <AccountDetailsForm mode="staff" onCreated={(a) => navigate(`/accounts/${encodeURIComponent(a.id)}`, { replace: true })} />
        </Paper>
      </Stack>
    </AppLayout>
  );
}
