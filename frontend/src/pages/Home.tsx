import { Badge, Box, Button, Group, Loader, Paper, Progress, Radio, Select, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { api, type Account, type KYCCase, type MyAccount, type PasswordPolicy, type Role, type User } from '../api';
import { asApiError, fieldsAsGeneral } from '../api/errors';
import { completeness, displayName, isStaff } from '../account/fields';
import { useAccount } from '../auth/account';
import { useSession } from '../auth/session';
import { ErrorAlert, SuccessAlert } from '../components/Alerts';
import { AppLayout } from '../components/AppLayout';
import { IconBuilding, IconList, IconShield, IconUsers } from '../components/icons';
import { MissingAlert } from '../components/MissingAlert';
import { policyHint } from '../components/PasswordField';
import { useApiError } from '../hooks/useApiError';
import { useFieldErrors } from '../hooks/useFieldErrors';
import { useScreen } from '../hooks/useScreen';
import { STATE_COLORS } from '../kyc/catalogue';
import { formatDate } from '../lib/intl';
import { SyncAdminCard } from '../sync/SyncAdminCard';

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
        {account && user.role === 'customer' && <KycCard account={account} />}
        {isStaff(user.role) && <StaffCard />}
        {user.role === 'admin' && (
          <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
            <SecuritySettings />
            <StaffRoles />
          </SimpleGrid>
        )}
        {user.role === 'admin' && <SyncAdminCard />}
      </Stack>
    </AppLayout>
  );
}

function AccountCard({ account, role }: { account: Account; role: MyAccount['role'] }) {
  const { t } = useTranslation();
  const { openCompany } = useAccount();
  const pct = completeness(account);
  return (
    <Paper withBorder radius="md" p={{ base: 'md', sm: 'xl' }} shadow="xs" data-testid="home-account" data-account-id={account.id}>
      <Group justify="space-between" align="flex-start">
        <div style={{ flex: '1 1 16rem' }}>
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
    <Paper withBorder radius="md" p={{ base: 'md', sm: 'xl' }} shadow="xs" data-testid="home-staff">
      <Group justify="space-between">
        <div style={{ flex: '1 1 16rem' }}>
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
    <Paper withBorder radius="md" p={{ base: 'md', sm: 'xl' }} shadow="xs" data-testid="home-welcome">
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
    <Paper withBorder radius="md" p={{ base: 'md', sm: 'xl' }} shadow="xs" data-testid="home-security">
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

// KycCard: where the customer's KYC stands, and the way to it.
function KycCard({ account }: { account: Account }) {
  const { t } = useTranslation();
  const { setUser } = useSession();
  const [kyc, setKyc] = useState<KYCCase | null>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    let live = true;
    api
      .kycCase({ accountId: account.id })
      .then((c) => live && setKyc(c))
      .catch((e) => {
        if (!live) return;
        if (asApiError(e).body.code === 'unauthorized') setUser(null);
        else setFailed(true);
      });
    return () => {
      live = false;
    };
  }, [account.id, setUser]);

  return (
    <Paper withBorder radius="md" p={{ base: 'md', sm: 'xl' }} shadow="xs" data-testid="home-kyc-card" data-state={kyc?.state ?? ''}>
      <Group justify="space-between" align="flex-start">
        <div style={{ flex: '1 1 16rem' }}>
          <Group gap="sm">
            <Title order={3} fw={600}>
              {t('homeKyc.title')}
            </Title>
            {kyc ? (
              <Badge variant="light" color={STATE_COLORS[kyc.state]} data-testid="home-kyc-state" data-state={kyc.state}>
                {t(`kyc.states.${kyc.state}`)}
              </Badge>
            ) : (
              !failed && <Loader size={14} aria-label={t('homeKyc.loading')} />
            )}
          </Group>
          <Text c="dimmed" size="sm" mt={4}>
            {t('homeKyc.intro')}
          </Text>
        </div>
        <Button
          component={Link}
          to="/kyc"
          variant={kyc && (kyc.state === 'draft' || kyc.state === 'changes_requested') ? 'filled' : 'default'}
          leftSection={<IconShield size={16} />}
          style={{ flexShrink: 0 }}
          data-testid="home-kyc"
        >
          {t('homeKyc.open')}
        </Button>
      </Group>
    </Paper>
  );
}

const ROLE_CHOICES: readonly Role[] = ['reviewer', 'agent', 'manager', 'admin', 'customer'];
const ROLE_FIELDS = ['email', 'role'] as const;

// StaffRoles: an admin makes a registered user staff (or a customer again).
function StaffRoles() {
  const { t } = useTranslation();
  const { setUser } = useSession();
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<User | null>(null);
  const failure = useApiError();
  const form = useForm<{ email: string; role: Role }>({ initialValues: { email: '', role: 'reviewer' } });
  const showErrors = useFieldErrors(form);

  const submit = form.onSubmit(async (values) => {
    if (busy) return;
    setBusy(true);
    setDone(null);
    failure.set(null);
    try {
      const res = await api.setUserRole({ email: values.email.trim(), role: values.role });
      setDone(res.user);
    } catch (e) {
      if (asApiError(e).body.code === 'unauthorized') {
        setUser(null);
        return;
      }
      const { general } = showErrors(e, ROLE_FIELDS);
      failure.set(general && fieldsAsGeneral(general));
    } finally {
      setBusy(false);
    }
  });

  return (
    <Paper withBorder radius="md" p={{ base: 'md', sm: 'xl' }} shadow="xs" data-testid="home-staff-roles">
      <Group gap="xs">
        <IconUsers size={20} />
        <Title order={3} fw={600}>
          {t('staffRoles.title')}
        </Title>
      </Group>
      <Text c="dimmed" size="sm" mt={4}>
        {t('staffRoles.intro')}
      </Text>
      <form onSubmit={submit} noValidate>
        <Stack gap="md" mt="md">
          <TextInput
            label={t('staffRoles.email')}
            placeholder={t('common.emailPlaceholder')}
            type="email"
            withAsterisk
            data-testid="staff-email"
            {...form.getInputProps('email')}
            onChange={(e) => {
              form.getInputProps('email').onChange(e);
              setDone(null);
            }}
          />
          <Select
            label={t('staffRoles.role')}
            description={t(`staffRoles.roleHint.${form.values.role}`)}
            data={ROLE_CHOICES.map((r) => ({ value: r, label: t(`roles.${r}`) }))}
            allowDeselect={false}
            data-testid="staff-role"
            {...form.getInputProps('role')}
            onChange={(v) => {
              form.setFieldValue('role', (v ?? 'reviewer') as Role);
              setDone(null);
            }}
          />
          <ErrorAlert error={failure.error} secondsLeft={failure.secondsLeft} testid="staff-error" />
          {done && (
            <SuccessAlert testid="staff-done" data-role={done.role}>
              {t('staffRoles.done', { name: done.name, email: done.email, role: t(`roles.${done.role}`) })}
            </SuccessAlert>
          )}
          <Group justify="flex-end">
            <Button type="submit" loading={busy} disabled={failure.blocked} data-testid="staff-save">
              {t('staffRoles.save')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}
