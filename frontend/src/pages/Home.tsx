import { Badge, Box, Button, Group, Paper, Progress, Radio, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { api, type Account, type MyAccount, type PasswordPolicy, type User } from '../api';
import { asApiError } from '../api/errors';
import { completeness, displayName, isStaff } from '../account/fields';
import { useAccount } from '../auth/account';
import { useSession } from '../auth/session';
import { ErrorAlert } from '../components/Alerts';
import { AppLayout } from '../components/AppLayout';
import { IconBuilding, IconList } from '../components/icons';
import { MissingAlert } from '../components/MissingAlert';
import { policyHint } from '../components/PasswordField';
import { useApiError } from '../hooks/useApiError';
import { useScreen } from '../hooks/useScreen';
import { formatDate } from '../lib/intl';

export function HomePage() {
  useScreen('home');
  const { user } = useSession();
  const { mine } = useAccount();
  if (!user) return null;
  const account = mine?.account ?? null;

  return (
    <AppLayout>
      <Stack gap="lg">
        <Welcome user={user} />
        {account && <AccountCard account={account} role={mine?.role ?? ''} />}
        {isStaff(user.role) && <StaffCard />}
        {user.role === 'admin' && <SecuritySettings />}
      </Stack>
    </AppLayout>
  );
}

function AccountCard({ account, role }: { account: Account; role: MyAccount['role'] }) {
  const { t } = useTranslation();
  const { openCompany } = useAccount();
  const pct = completeness(account);
  return (
    <Paper withBorder radius="md" p="xl" shadow="xs" data-testid="home-account" data-account-id={account.id}>
      <Group justify="space-between" align="flex-start" wrap="nowrap">
        <div>
          <Title order={3} fw={600}>
            {t('homeAccount.title')}
          </Title>
          <Text c="dimmed" size="sm" mt={4}>
            {account.complete
              ? t('homeAccount.completeIntro')
              : account.canEdit
                ? t('homeAccount.incompleteIntro')
                : t('homeAccount.incompleteReadOnly')}
          </Text>
        </div>
        <Button
          variant={account.complete || !account.canEdit ? 'default' : 'filled'}
          leftSection={<IconBuilding size={16} />}
          onClick={openCompany}
          style={{ flexShrink: 0 }}
          data-testid="home-company-open"
        >
          {t('nav.company')}
        </Button>
      </Group>
      <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="lg" verticalSpacing="lg" mt="lg">
        <Detail label={t('homeAccount.type')} testid="home-account-type">
          <Text>{t(`accountDetails.${account.details.type}`)}</Text>
        </Detail>
        <Detail label={t('homeAccount.name')} testid="home-account-name">
          <Text>{displayName(account)}</Text>
        </Detail>
        {role && (
          <Detail label={t('homeAccount.role')} testid="home-account-role">
            <Text>{t(`employees.roles.${role}`)}</Text>
          </Detail>
        )}
      </SimpleGrid>
      <Box mt="xl">
        <Group justify="space-between" mb={6}>
          <Text size="sm" fw={500}>
            {t('homeAccount.progress')}
          </Text>
          <Text size="sm" c={account.complete ? 'teal.8' : 'dimmed'} data-testid="home-company-progress-text">
            {account.complete ? t('homeAccount.complete') : t('homeAccount.percent', { value: pct })}
          </Text>
        </Group>
        <Progress
          value={pct}
          size="lg"
          radius="xl"
          color={account.complete ? 'teal' : 'indigo'}
          aria-label={t('homeAccount.progress')}
          data-testid="home-company-progress"
          data-value={pct}
          data-missing={account.missing.length}
        />
        <MissingAlert account={account} testid="home-missing" mt="md" />
      </Box>
    </Paper>
  );
}

function StaffCard() {
  const { t } = useTranslation();
  return (
    <Paper withBorder radius="md" p="xl" shadow="xs" data-testid="home-staff">
      <Group justify="space-between" wrap="nowrap">
        <div>
          <Title order={3} fw={600}>
            {t('accounts.title')}
          </Title>
          <Text c="dimmed" size="sm" mt={4}>
            {t('homeStaff.intro')}
          </Text>
        </div>
        <Button component={Link} to="/accounts" leftSection={<IconList size={16} />} style={{ flexShrink: 0 }} data-testid="home-accounts">
          {t('homeStaff.open')}
        </Button>
      </Group>
    </Paper>
  );
}

function Detail({ label, children, testid }: { label: string; children: ReactNode; testid: string }) {
  return (
    <Box>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600} style={{ letterSpacing: '0.04em' }}>
        {label}
      </Text>
      <Group gap={8} mt={4} data-testid={testid}>
        {children}
      </Group>
    </Box>
  );
}

function Welcome({ user }: { user: User }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const verified = (
    <Badge color="teal" variant="light" size="sm">
      {t('home.verified')}
    </Badge>
  );
  return (
    <Paper withBorder radius="md" p="xl" shadow="xs" data-testid="home-welcome">
      <Title order={2} fw={600}>
        {t('home.welcome', { name: user.name })}
      </Title>
      <Text c="dimmed" mt={4}>
        {t('home.intro')}
      </Text>
      <Title order={4} fw={600} mt="xl" mb="md">
        {t('home.details')}
      </Title>
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="lg" verticalSpacing="lg">
        <Detail label={t('home.email')} testid="home-email">
          <Text>{user.email}</Text>
          {user.emailVerified && verified}
        </Detail>
        <Detail label={t('home.phone')} testid="home-phone">
          <Text ff="monospace">{user.phone}</Text>
          {user.phoneVerified && verified}
        </Detail>
        <Detail label={t('home.timeZone')} testid="home-timezone">
          <Text>{user.timeZone}</Text>
        </Detail>
        <Detail label={t('home.memberSince')} testid="home-created">
          <Text>{formatDate(user.createdAt, lang, user.timeZone)}</Text>
        </Detail>
      </SimpleGrid>
    </Paper>
  );
}

function SecuritySettings() {
  const { t } = useTranslation();
  const { config, setConfig, setUser } = useSession();
  const [saving, setSaving] = useState<PasswordPolicy['name'] | null>(null);
  const failure = useApiError();
  const current = config.passwordPolicy.name;

  const choose = async (value: string) => {
    const name = value as PasswordPolicy['name'];
    if (saving || name === current) return;
    setSaving(name);
    failure.set(null);
    try {
      const next = await api.setPasswordPolicy({ name });
      setConfig(next);
      notifications.show({ color: 'teal', message: t('security.saved') });
    } catch (e) {
      if (asApiError(e).body.code === 'unauthorized') setUser(null);
      else failure.set(e);
    } finally {
      setSaving(null);
    }
  };

  return (
    <Paper withBorder radius="md" p="xl" shadow="xs" data-testid="home-security">
      <Title order={3} fw={600}>
        {t('security.title')}
      </Title>
      <Radio.Group
        mt="md"
        value={saving ?? current}
        onChange={choose}
        label={t('security.policy')}
        description={t('security.policyHint')}
        data-testid="policy-group"
        data-policy={current}
      >
        <Stack gap="sm" mt="sm">
          {(['default', 'nist'] as const).map((name) => (
            <Paper
              key={name}
              withBorder
              radius="md"
              p="md"
              style={{
                borderColor: (saving ?? current) === name ? 'var(--mantine-color-indigo-4)' : undefined,
                background: (saving ?? current) === name ? 'var(--mantine-color-indigo-0)' : undefined,
              }}
            >
              <Radio
                value={name}
                disabled={saving !== null}
                label={<Text fw={600} size="sm">{t(`security.${name}`)}</Text>}
                description={t(`security.${name}Desc`)}
                data-testid={`policy-${name}`}
              />
            </Paper>
          ))}
        </Stack>
      </Radio.Group>
      <Text size="sm" c="dimmed" mt="md" data-testid="policy-current">
        {policyHint(t, config.passwordPolicy)}
      </Text>
      <ErrorAlert error={failure.error} secondsLeft={failure.secondsLeft} testid="policy-error" mt="md" />
    </Paper>
  );
}
