import { Badge, Button, Group, Modal, Paper, Table, Text, Title, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate } from 'react-router-dom';
import { api, isDesktop, type Device } from '../api';
import { asApiError } from '../api/errors';
import { useSession } from '../auth/session';
import { ErrorAlert } from '../components/Alerts';
import { ListTable } from '../components/ListTable';
import { AppLayout } from '../components/AppLayout';
import { useApiError } from '../hooks/useApiError';
import { useScreen } from '../hooks/useScreen';
import { formatDateTime } from '../lib/intl';
import { relativeTime } from '../sync/describe';

// SyncDevicesPage: the desktops that sync with this server (administrators,
// on the server's web page). Revoking one stops its token at once; the
// data already on that desktop stays there.
export function SyncDevicesPage() {
  useScreen('sync-devices');
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const { setUser } = useSession();
  const [items, setItems] = useState<Device[] | null>(null);
  const [revoking, setRevoking] = useState<Device | null>(null);
  const [busy, setBusy] = useState(false);
  const failure = useApiError();
  const setFailure = failure.set;
  const desktop = isDesktop();

  const fail = useCallback(
    (e: unknown) => {
      if (asApiError(e).body.code === 'unauthorized') setUser(null);
      else setFailure(e);
    },
    [setFailure, setUser],
  );

  const load = useCallback(async () => {
    try {
      setItems(await api.devices());
    } catch (e) {
      fail(e);
    }
  }, [fail]);

  useEffect(() => {
    if (!desktop) void load();
  }, [desktop, load]);

  // Devices live on the server; a desktop has no list of its own.
  if (desktop) return <Navigate to="/" replace />;

  const revoke = async () => {
    if (!revoking || busy) return;
    setBusy(true);
    setFailure(null);
    try {
      await api.revokeDevice({ id: revoking.id });
      notifications.show({ color: 'teal', message: t('syncDevices.revoked', { name: revoking.name }) });
      setRevoking(null);
      await load();
    } catch (e) {
      setRevoking(null);
      fail(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <AppLayout size="xl">
      <Paper withBorder radius="md" p={{ base: 'md', sm: 'xl' }} shadow="xs" data-testid="sync-devices">
        <Title order={2} fw={600}>
          {t('syncDevices.title')}
        </Title>
        <Text c="dimmed" size="sm" mt={4} maw={720}>
          {t('syncDevices.intro')}
        </Text>
        <ErrorAlert error={failure.error} secondsLeft={failure.secondsLeft} testid="sync-devices-error" mt="md" />
        <ListTable
          items={items}
          loading={items === null && !failure.error}
          empty={t('syncDevices.empty')}
          testid="sync-devices-table"
          emptyTestid="sync-devices-empty"
          minWidth={800}
          striped
          head={
            <>
              <Table.Th>{t('syncDevices.name')}</Table.Th>
              <Table.Th>{t('syncDevices.user')}</Table.Th>
              <Table.Th>{t('syncDevices.connected')}</Table.Th>
              <Table.Th>{t('syncDevices.lastSeen')}</Table.Th>
              <Table.Th>{t('syncDevices.status')}</Table.Th>
              <Table.Th />
            </>
          }
          row={(d) => (
            <Table.Tr key={d.id} data-testid="sync-device" data-id={d.id} data-revoked={!!d.revokedAt}>
              <Table.Td>
                {/* A long name (up to 100 characters) is cut, so Revoke stays in view. */}
                <Text size="sm" fw={500} truncate maw={260} title={d.name} data-testid="sync-device-name">
                  {d.name}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{d.userName}</Text>
                <Text size="xs" c="dimmed">
                  {d.userEmail}
                </Text>
              </Table.Td>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>
                <Text size="sm">{formatDateTime(d.createdAt, lang)}</Text>
              </Table.Td>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>
                {d.lastSeenAt ? (
                  <Tooltip label={formatDateTime(d.lastSeenAt, lang)}>
                    <Text size="sm">{relativeTime(d.lastSeenAt, lang)}</Text>
                  </Tooltip>
                ) : (
                  <Text size="sm" c="dimmed">
                    {t('syncDevices.never')}
                  </Text>
                )}
              </Table.Td>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>
                {d.revokedAt ? (
                  <Tooltip label={formatDateTime(d.revokedAt, lang)}>
                    <Badge variant="light" color="gray" style={{ textTransform: 'none' }} data-testid="sync-device-status" data-status="revoked">
                      {t('syncDevices.statusRevoked')}
                    </Badge>
                  </Tooltip>
                ) : (
                  <Badge variant="light" color="teal" style={{ textTransform: 'none' }} data-testid="sync-device-status" data-status="active">
                    {t('syncDevices.statusActive')}
                  </Badge>
                )}
              </Table.Td>
              <Table.Td style={{ textAlign: 'right' }}>
                {!d.revokedAt && (
                  <Button size="xs" variant="subtle" color="red" onClick={() => setRevoking(d)} data-testid="sync-device-revoke">
                    {t('syncDevices.revoke')}
                  </Button>
                )}
              </Table.Td>
            </Table.Tr>
          )}
        />
      </Paper>
      <Modal opened={!!revoking} onClose={() => !busy && setRevoking(null)} title={t('syncDevices.confirmTitle')} centered>
        <Text size="sm">{revoking && t('syncDevices.confirmText', { name: revoking.name, user: revoking.userName, email: revoking.userEmail })}</Text>
        <Group justify="flex-end" mt="lg">
          <Button variant="default" onClick={() => setRevoking(null)} disabled={busy}>
            {t('common.cancel')}
          </Button>
          <Button color="red" loading={busy} onClick={() => void revoke()} data-testid="sync-device-revoke-confirm">
            {t('syncDevices.revoke')}
          </Button>
        </Group>
      </Modal>
    </AppLayout>
  );
}
