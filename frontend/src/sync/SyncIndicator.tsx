import { Anchor, Badge, Button, Divider, Group, Indicator, Loader, Popover, Progress, Stack, Text, UnstyledButton } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { notifications } from '@mantine/notifications';
import { useTranslation } from 'react-i18next';
import { Link, useLocation } from 'react-router-dom';
import { api } from '../api';
import { formatDateTime } from '../lib/intl';
import { receivingPercent, relativeTime, serverHost, SYNC_COLORS, syncState } from './describe';
import { IconSync } from '../components/icons';
import { refreshOpenScreens, useSyncStatus } from './status';

// SyncIndicator: the desktop header's quiet word on sync (online, offline or
// working alone, and what waits to be sent), opening to the details and
// "Sync now". Admins also get the way to the conflicts.
// showConflicts: staff see the conflicts about what they hold (an agent
// learns their customer became one with another agent's); customers do not.
export function SyncIndicator({ showConflicts }: { showConflicts: boolean }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const { status, setStatus } = useSyncStatus();
  const [opened, setOpened] = useState(false);
  const [asked, setAsked] = useState(false);
  const now = useTick(opened);
  // The admin's header is crowded below this width: the count alone then.
  const wide = useMediaQuery('(min-width: 88em)', true, { getInitialValueInEffect: false });
  useNewDataNotice(status?.received);

  if (!status) return null;
  const state = syncState(status);
  const connected = state !== 'alone';
  const busy = asked || status.syncing;
  const percent = receivingPercent(status);

  const syncNow = async () => {
    setAsked(true);
    try {
      setStatus(await api.syncNow()); // a failure comes back as lastError in the status
    } catch {
      /* the next event or poll tells */
    } finally {
      setAsked(false);
    }
  };

  return (
    <Popover opened={opened} onChange={setOpened} position="bottom-end" width={340} shadow="md" withArrow>
      <Popover.Target>
        <UnstyledButton
          onClick={() => setOpened((o) => !o)}
          aria-label={t('sync.statusLabel')}
          data-testid="sync-indicator"
          data-state={state}
          data-pending={status.pending}
          style={{ flexShrink: 0 }}
        >
          <Indicator
            disabled={!showConflicts || status.conflicts === 0}
            label={status.conflicts}
            size={16}
            color="orange"
            offset={2}
            aria-label={showConflicts && status.conflicts > 0 ? t('sync.conflictsShort', { count: status.conflicts }) : undefined}
            data-testid="sync-conflict-count"
            data-count={status.conflicts}
          >
            {/* One badge keeps the crowded header calm: the state, and what waits to be sent. */}
            <Badge
              variant="dot"
              color={SYNC_COLORS[state]}
              size="md"
              rightSection={busy ? <Loader size={10} color="gray" aria-label={t('sync.states.syncing')} /> : undefined}
              style={{ cursor: 'pointer', textTransform: 'none', fontWeight: 500 }}
              data-testid="sync-badge"
            >
              {t(`sync.states.${state === 'syncing' ? 'online' : state}`)}
              {percent !== undefined && (
                <Text span inherit c="dimmed" title={t('sync.receiving')} data-testid="sync-receiving-short">
                  {' · '}
                  {wide ? t('sync.receivingShort', { percent }) : `${percent}%`}
                </Text>
              )}
              {connected && status.pending > 0 && (
                <Text span inherit c="dimmed" title={t('sync.waiting', { count: status.pending })} data-testid="sync-pending">
                  {' · '}
                  {wide ? t('sync.waiting', { count: status.pending }) : status.pending}
                </Text>
              )}
            </Badge>
          </Indicator>
        </UnstyledButton>
      </Popover.Target>
      <Popover.Dropdown data-testid="sync-details">
        <Stack gap="xs">
          <Group gap={8} wrap="nowrap">
            <IconSync size={18} />
            <Text fw={600}>{t('sync.title')}</Text>
            <Badge variant="light" color={SYNC_COLORS[state]} size="sm" ml="auto" style={{ textTransform: 'none' }}>
              {t(`sync.states.${state}`)}
            </Badge>
          </Group>
          {connected ? (
            <>
              <Row label={t('sync.server')}>
                <Text size="sm" truncate maw={190} title={status.server}>
                  {serverHost(status.server)}
                </Text>
              </Row>
              {status.deviceName && (
                <Row label={t('sync.device')}>
                  <Text size="sm" truncate maw={190}>
                    {status.deviceName}
                  </Text>
                </Row>
              )}
              <Row label={t('sync.lastSync')}>
                <Text size="sm" style={{ whiteSpace: 'nowrap' }} title={status.lastSync ? formatDateTime(status.lastSync, lang) : undefined} data-testid="sync-last">
                  {status.lastSync ? relativeTime(status.lastSync, lang, now) : t('sync.never')}
                </Text>
              </Row>
              <Row label={t('sync.pending')}>
                <Text size="sm">{status.pending > 0 ? status.pending : t('sync.pendingNone')}</Text>
              </Row>
              {percent !== undefined && (
                <Stack gap={4} data-testid="sync-receiving">
                  <Row label={t('sync.receiving')}>
                    <Text size="sm">{percent}%</Text>
                  </Row>
                  <Progress value={percent} size="sm" aria-label={t('sync.receiving')} />
                </Stack>
              )}
              {status.lastError && (
                <Text size="sm" c="red.7" data-testid="sync-error">
                  {status.lastErrorKey ? t(status.lastErrorKey, { defaultValue: status.lastError }) : status.lastError}
                </Text>
              )}
            </>
          ) : (
            <Text size="sm" c="dimmed">
              {t('sync.aloneIntro')}
            </Text>
          )}
          {showConflicts && status.conflicts > 0 && (
            <Anchor component={Link} to="/sync/conflicts" size="sm" onClick={() => setOpened(false)} data-testid="sync-conflicts-link">
              {t('sync.conflictsToReview', { count: status.conflicts })}
            </Anchor>
          )}
          <Divider />
          <Group justify="space-between" gap="xs" wrap="nowrap">
            <Anchor component={Link} to="/sync/connect" size="sm" onClick={() => setOpened(false)} data-testid="sync-settings">
              {connected ? t('sync.settings') : t('sync.connect')}
            </Anchor>
            {connected && (
              <Button size="xs" variant="light" loading={busy} onClick={syncNow} data-testid="sync-now">
                {t('sync.syncNow')}
              </Button>
            )}
          </Group>
        </Stack>
      </Popover.Dropdown>
    </Popover>
  );
}

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Group justify="space-between" wrap="nowrap" gap="md">
      <Text size="sm" c="dimmed" style={{ flexShrink: 0 }}>
        {label}
      </Text>
      {children}
    </Group>
  );
}

// useTick: "now", refreshed every 15 s while the details are open, so the
// relative time does not stand still.
function useTick(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const id = window.setInterval(() => setNow(Date.now()), 15_000);
    return () => window.clearInterval(id);
  }, [active]);
  return now;
}

// useNewDataNotice: when sync brings changes from the server, the screens
// that can (lists, an account's page) refresh themselves (useRefreshOnSync);
// any other screen, a form say, loaded its data once, so the notice offers
// to reload it: a field agent should not act on a stale copy without
// knowing, nor lose what they typed.
const NOTICE = 'sync-new-data';

function useNewDataNotice(received: number | undefined) {
  const { t } = useTranslation();
  const seen = useRef<number | undefined>(undefined);
  const { pathname } = useLocation();
  // Another screen loads its data afresh: the offer was about the last one.
  useEffect(() => {
    notifications.hide(NOTICE);
  }, [pathname]);
  useEffect(() => {
    if (received === undefined) return;
    if (seen.current !== undefined && received > seen.current) {
      if (refreshOpenScreens()) {
        notifications.hide(NOTICE);
        seen.current = received;
        return;
      }
      notifications.show({
        id: NOTICE,
        autoClose: false,
        color: 'blue',
        message: (
          <Group justify="space-between" wrap="nowrap" gap="sm">
            <Text size="sm">{t('sync.newData')}</Text>
            <Button size="xs" variant="light" onClick={() => window.location.reload()} data-testid="sync-new-data-reload">
              {t('sync.reload')}
            </Button>
          </Group>
        ),
      });
    }
    seen.current = received;
  }, [received, t]);
}
