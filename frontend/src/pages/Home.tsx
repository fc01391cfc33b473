import {
  AppShell,
  Badge,
  Box,
  Button,
  Container,
  Group,
  Paper,
  Radio,
  SimpleGrid,
  Stack,
  Text,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { api, type PasswordPolicy, type User } from '../api';
import { asApiError } from '../api/errors';
import { useSession } from '../auth/session';
import { ErrorAlert } from '../components/Alerts';
import { Logo } from '../components/icons';
import { LanguagePicker } from '../components/LanguagePicker';
import { policyHint } from '../components/PasswordField';
import { useApiError } from '../hooks/useApiError';
import { useScreen } from '../hooks/useScreen';

function formatDate(iso: string, lang: string, timeZone: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return '';
  try {
    return new Intl.DateTimeFormat(lang, { dateStyle: 'long', timeZone }).format(ms);
  } catch {
    return new Intl.DateTimeFormat(lang, { dateStyle: 'long' }).format(ms);
  }
}

export function HomePage() {
  useScreen('home');
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { user, signOut } = useSession();
  const [leaving, setLeaving] = useState(false);
  if (!user) return null;

  const onSignOut = async () => {
    if (leaving) return;
    setLeaving(true);
    try {
      await signOut();
    } catch {
      /* signed out here either way */
    }
    navigate('/signin', { replace: true });
  };

  return (
    <AppShell header={{ height: 60 }} padding="lg" bg="gray.0">
      <AppShell.Header px="lg">
        <Group h="100%" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Logo size={32} />
            <Text fw={700} size="lg">
              {t('app.name')}
            </Text>
          </Group>
          <Group gap="lg" wrap="nowrap">
            <Group gap={8} wrap="nowrap">
              <Text size="sm" fw={500} data-testid="home-user-name">
                {user.name}
              </Text>
              <Badge variant="light" data-testid="home-user-role" data-role={user.role}>
                {t(`roles.${user.role}`, { defaultValue: user.role })}
              </Badge>
            </Group>
            <LanguagePicker />
            <Button variant="default" size="xs" onClick={onSignOut} loading={leaving} data-testid="home-signout">
              {t('common.signOut')}
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Main>
        <Container size="md" py="md">
          <Stack gap="lg">
            <Welcome user={user} />
            {user.role === 'admin' && <SecuritySettings />}
          </Stack>
        </Container>
      </AppShell.Main>
    </AppShell>
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
