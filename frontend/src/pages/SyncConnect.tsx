import { Anchor, Badge, Button, Group, Loader, Modal, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Navigate } from 'react-router-dom';
import { api, isDesktop, type SyncStatus } from '../api';
import { asApiError } from '../api/errors';
import { useSession } from '../auth/session';
import { ErrorAlert, SuccessAlert } from '../components/Alerts';
import { AppLayout } from '../components/AppLayout';
import { AuthLayout } from '../components/AuthLayout';
import { useApiError } from '../hooks/useApiError';
import { useFieldErrors } from '../hooks/useFieldErrors';
import { useScreen } from '../hooks/useScreen';
import { formatDateTime } from '../lib/intl';
import { relativeTime, SYNC_COLORS, syncState } from '../sync/describe';
import { syncChanged, useSyncStatus } from '../sync/status';

const FIELDS = ['server', 'email', 'password', 'name'] as const;

// SyncConnectPage connects this desktop to a `gatehouse serve` server, or
// shows the connection it has. It opens signed out too: a field agent's new
// desktop has no users until its first sync, after which they sign in with
// the same email and password.
export function SyncConnectPage() {
  useScreen('sync-connect');
  const { t } = useTranslation();
  const { user } = useSession();
  const { status, setStatus } = useSyncStatus();
  const [justConnected, setJustConnected] = useState(false);

  // A browser is the server's own page: there is nothing to connect.
  if (!isDesktop()) return <Navigate to="/" replace />;

  const onConnected = (s: SyncStatus) => {
    setStatus(s);
    setJustConnected(true);
    syncChanged();
  };

  const body = !status ? (
    <Loader size="sm" mx="auto" />
  ) : status.server ? (
    <Connected
      status={status}
      setStatus={setStatus}
      justConnected={justConnected}
      signedIn={!!user}
      canDisconnect={user?.role === 'admin'}
      onDisconnected={(s) => {
        setStatus(s);
        setJustConnected(false);
        syncChanged();
      }}
    />
  ) : (
    <ConnectForm onConnected={onConnected} />
  );

  const connected = !!status?.server;
  const title = connected ? t('syncConnect.titleConnected') : t('syncConnect.title');
  const subtitle = connected ? t('syncConnect.subtitleConnected') : t('syncConnect.subtitle');

  if (!user) {
    return (
      <AuthLayout
        title={title}
        subtitle={subtitle}
        testid="sync-connect-card"
        width={480}
        footer={
          <Anchor component={Link} to="/signin" data-testid="sync-connect-back">
            {t('common.backToSignIn')}
          </Anchor>
        }
      >
        {body}
      </AuthLayout>
    );
  }
  return (
    <AppLayout size="sm">
      <Paper withBorder radius="md" p="xl" shadow="xs" data-testid="sync-connect-card">
        <Title order={3} fw={600}>
          {title}
        </Title>
        <Text c="dimmed" size="sm" mt={4} mb="lg">
          {subtitle}
        </Text>
        {body}
      </Paper>
    </AppLayout>
  );
}

function ConnectForm({ onConnected }: { onConnected: (s: SyncStatus) => void }) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const failure = useApiError();
  const form = useForm({ initialValues: { server: 'https://', email: '', password: '', name: '' } });
  const showErrors = useFieldErrors(form);

  const submit = form.onSubmit(async (values) => {
    if (busy || failure.blocked) return;
    setBusy(true);
    failure.set(null);
    try {
      const s = await api.syncConnect({
        server: values.server.trim(),
        email: values.email.trim(),
        password: values.password,
        name: values.name.trim(),
      });
      onConnected(s);
    } catch (e) {
      const { general } = showErrors(e, FIELDS);
      failure.set(general);
    } finally {
      setBusy(false);
    }
  });

  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="md">
        <ErrorAlert error={failure.error} secondsLeft={failure.secondsLeft} testid="sync-connect-error" />
        <TextInput
          label={t('syncConnect.server')}
          description={t('syncConnect.serverHint')}
          placeholder="https://gatehouse.example.com"
          type="url"
          withAsterisk
          autoFocus
          data-testid="sync-connect-server"
          {...form.getInputProps('server')}
        />
        <TextInput
          label={t('common.email')}
          placeholder={t('common.emailPlaceholder')}
          type="email"
          autoComplete="username"
          withAsterisk
          data-testid="sync-connect-email"
          {...form.getInputProps('email')}
        />
        <PasswordInput
          label={t('signin.password')}
          autoComplete="current-password"
          withAsterisk
          data-testid="sync-connect-password"
          visibilityToggleButtonProps={{ 'aria-label': t('common.showPassword') }}
          {...form.getInputProps('password')}
        />
        <TextInput
          label={t('syncConnect.name')}
          description={t('syncConnect.nameHint')}
          data-testid="sync-connect-name"
          {...form.getInputProps('name')}
        />
        <Button type="submit" fullWidth mt="xs" loading={busy} disabled={failure.blocked} data-testid="sync-connect-submit">
          {t('syncConnect.submit')}
        </Button>
      </Stack>
    </form>
  );
}

interface ConnectedProps {
  status: SyncStatus;
  setStatus: (s: SyncStatus) => void;
  justConnected: boolean;
  signedIn: boolean;
  canDisconnect: boolean; // the backend allows administrators only
  onDisconnected: (s: SyncStatus) => void;
}

function Connected({ status, setStatus, justConnected, signedIn, canDisconnect, onDisconnected }: ConnectedProps) {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const { setUser } = useSession();
  const [syncing, setSyncing] = useState(false);
  const [confirm, setConfirm] = useState(false);
  const [leaving, setLeaving] = useState(false);
  const failure = useApiError();
  const state = syncState(status);

  const syncNow = async () => {
    setSyncing(true);
    try {
      setStatus(await api.syncNow());
    } catch (e) {
      failure.set(e);
    } finally {
      setSyncing(false);
    }
  };

  const disconnect = async () => {
    setLeaving(true);
    failure.set(null);
    try {
      onDisconnected(await api.syncDisconnect());
      setConfirm(false);
    } catch (e) {
      setConfirm(false);
      if (asApiError(e).body.code === 'unauthorized') setUser(null);
      else failure.set(e);
    } finally {
      setLeaving(false);
    }
  };

  return (
    <Stack gap="md" data-testid="sync-connected" data-state={state}>
      {justConnected && (
        <SuccessAlert testid="sync-connect-done">
          {signedIn ? t('syncConnect.doneSignedIn') : t('syncConnect.done')}
        </SuccessAlert>
      )}
      <ErrorAlert error={failure.error} testid="sync-connected-error" />
      <Stack gap={8}>
        <Line label={t('sync.state')}>
          <Badge variant="light" color={SYNC_COLORS[state]} style={{ textTransform: 'none' }} data-testid="sync-connected-state">
            {t(`sync.states.${state}`)}
          </Badge>
        </Line>
        <Line label={t('sync.server')}>
          <Text size="sm" data-testid="sync-connected-server" style={{ wordBreak: 'break-all' }}>
            {status.server}
          </Text>
        </Line>
        <Line label={t('sync.device')}>
          <Text size="sm">{status.deviceName || '—'}</Text>
        </Line>
        <Line label={t('sync.lastSync')}>
          <Text size="sm" title={status.lastSync ? formatDateTime(status.lastSync, lang) : undefined}>
            {status.lastSync ? relativeTime(status.lastSync, lang) : t('sync.never')}
          </Text>
        </Line>
        <Line label={t('sync.pending')}>
          <Text size="sm">{status.pending > 0 ? status.pending : t('sync.pendingNone')}</Text>
        </Line>
        {status.lastError && (
          <Text size="sm" c="red.7" data-testid="sync-connected-last-error">
            {status.lastErrorKey ? t(status.lastErrorKey, { defaultValue: status.lastError }) : status.lastError}
          </Text>
        )}
      </Stack>
      <Group justify="space-between">
        {canDisconnect ? (
          <Button variant="subtle" color="red" size="sm" onClick={() => setConfirm(true)} data-testid="sync-disconnect">
            {t('syncConnect.disconnect')}
          </Button>
        ) : (
          <span />
        )}
        <Group gap="sm">
          <Button variant="default" onClick={syncNow} loading={syncing || status.syncing} data-testid="sync-connected-now">
            {t('sync.syncNow')}
          </Button>
          {!signedIn && (
            <Button component={Link} to="/signin" data-testid="sync-connected-signin">
              {t('common.signIn')}
            </Button>
          )}
        </Group>
      </Group>
      <Modal opened={confirm} onClose={() => setConfirm(false)} title={t('syncConnect.disconnectTitle')} centered>
        <Text size="sm">{t('syncConnect.disconnectText', { server: status.server })}</Text>
        <Group justify="flex-end" mt="lg">
          <Button variant="default" onClick={() => setConfirm(false)}>
            {t('common.cancel')}
          </Button>
          <Button color="red" loading={leaving} onClick={disconnect} data-testid="sync-disconnect-confirm">
            {t('syncConnect.disconnect')}
          </Button>
        </Group>
      </Modal>
    </Stack>
  );
}

function Line({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Group justify="space-between" wrap="nowrap" gap="lg" align="flex-start">
      <Text size="sm" c="dimmed" style={{ flexShrink: 0 }}>
        {label}
      </Text>
      {children}
    </Group>
  );
}
