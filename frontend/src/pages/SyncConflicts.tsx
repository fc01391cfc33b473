import { Badge, Button, Code, Group, Paper, Switch, Table, Text, Title, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { api, type Conflict } from '../api';
import { asApiError } from '../api/errors';
import { useSession } from '../auth/session';
import { ErrorAlert } from '../components/Alerts';
import { ListTable } from '../components/ListTable';
import { AppLayout } from '../components/AppLayout';
import { useApiError } from '../hooks/useApiError';
import { useScreen } from '../hooks/useScreen';
import { formatDateTime } from '../lib/intl';
import { canReverse, conflictSubject, conflictValue } from '../sync/describe';
import { syncChanged, useRefreshOnSync } from '../sync/status';

const KIND_COLORS: Record<Conflict['kind'], string> = { field: 'indigo', unique: 'grape', deleted: 'orange', rejected: 'red' };

// SyncConflictsPage: what sync overwrote, for an administrator to accept
// ("Keep") or undo ("Put back", which writes the lost value again as a new
// change). Open conflicts by default; resolved ones on request.
export function SyncConflictsPage() {
  useScreen('sync-conflicts');
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const { user, setUser } = useSession();
  const decides = user?.role === 'admin'; // others see, an administrator decides
  const [includeResolved, setIncludeResolved] = useState(false);
  const [items, setItems] = useState<Conflict[] | null>(null);
  const [busy, setBusy] = useState<{ id: string; reverse: boolean } | null>(null);
  const failure = useApiError();
  const setFailure = failure.set;
  const seq = useRef(0);

  const fail = useCallback(
    (e: unknown) => {
      if (asApiError(e).body.code === 'unauthorized') setUser(null);
      else setFailure(e);
    },
    [setFailure, setUser],
  );

  const load = useCallback(async () => {
    const n = ++seq.current;
    try {
      const list = await api.syncConflicts({ includeResolved });
      if (seq.current === n) setItems(list);
    } catch (e) {
      if (seq.current === n) fail(e);
    }
  }, [includeResolved, fail]);

  useEffect(() => {
    setFailure(null);
    void load();
  }, [load, setFailure]);
  // A pull can bring conflicts (this desktop's edits that lost).
  useRefreshOnSync(() => {
    void load();
    return true;
  });

  const resolve = async (c: Conflict, reverse: boolean) => {
    if (busy) return;
    setBusy({ id: c.id, reverse });
    setFailure(null);
    try {
      await api.resolveConflict({ id: c.id, reverse });
      notifications.show({ color: 'teal', message: reverse ? t('syncConflicts.reversed') : t('syncConflicts.kept') });
      syncChanged();
      await load();
    } catch (e) {
      fail(e);
    } finally {
      setBusy(null);
    }
  };

  return (
    <AppLayout size="xl">
      <Paper withBorder radius="md" p={{ base: 'md', sm: 'xl' }} shadow="xs" data-testid="sync-conflicts">
        <Group justify="space-between" align="flex-start">
          <div style={{ flex: '1 1 16rem' }}>
            <Title order={2} fw={600}>
              {t('syncConflicts.title')}
            </Title>
            <Text c="dimmed" size="sm" mt={4} maw={720}>
              {t('syncConflicts.intro')}
            </Text>
          </div>
          <Switch
            label={t('syncConflicts.showResolved')}
            checked={includeResolved}
            onChange={(e) => setIncludeResolved(e.currentTarget.checked)}
            style={{ flexShrink: 0 }}
            data-testid="sync-conflicts-resolved"
          />
        </Group>
        <ErrorAlert error={failure.error} secondsLeft={failure.secondsLeft} testid="sync-conflicts-error" mt="md" />
        <ListTable
          items={items}
          loading={items === null && !failure.error}
          empty={includeResolved ? t('syncConflicts.emptyAll') : t('syncConflicts.empty')}
          testid="sync-conflicts-table"
          emptyTestid="sync-conflicts-empty"
          minWidth={900}
          striped
          head={
            <>
              <Table.Th>{t('syncConflicts.what')}</Table.Th>
              <Table.Th>{t('syncConflicts.keptValue')}</Table.Th>
              <Table.Th>{t('syncConflicts.lostValue')}</Table.Th>
              <Table.Th>{t('syncConflicts.when')}</Table.Th>
              <Table.Th>{t('syncConflicts.detail')}</Table.Th>
              <Table.Th />
            </>
          }
          row={(c) => (
            <Table.Tr key={c.id} data-testid="sync-conflict" data-id={c.id} data-kind={c.kind} data-resolved={!!c.resolvedAt}>
              <Table.Td>
                <Text size="sm" fw={500}>
                  {subjectText(t, c)}
                </Text>
                <Group gap={6} mt={4} wrap="nowrap">
                  <Badge size="xs" variant="light" color={KIND_COLORS[c.kind] ?? 'gray'} style={{ flexShrink: 0 }}>
                    {t(`syncConflicts.kinds.${c.kind}`, { defaultValue: c.kind })}
                  </Badge>
                  <Text size="xs" c="dimmed" ff="monospace" truncate maw={140} title={c.entityId}>
                    {c.entityId}
                  </Text>
                </Group>
              </Table.Td>
              <Table.Td maw={220}>
                <Value v={c.kept} />
              </Table.Td>
              <Table.Td maw={220}>
                <Value v={c.lost} />
              </Table.Td>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>
                <Text size="sm">{formatDateTime(c.createdAt, lang)}</Text>
              </Table.Td>
              <Table.Td maw={240}>
                <Text size="sm" c="dimmed">
                  {c.detail}
                </Text>
              </Table.Td>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>
                {c.resolvedAt ? (
                  <Tooltip label={formatDateTime(c.resolvedAt, lang)}>
                    <Badge variant="light" color="gray" style={{ textTransform: 'none' }} data-testid="sync-conflict-resolution">
                      {c.resolution === 'reversed' ? t('syncConflicts.resolvedReversed') : t('syncConflicts.resolvedKept')}
                    </Badge>
                  </Tooltip>
                ) : !decides ? (
                  <Text size="xs" c="dimmed" data-testid="sync-conflict-admin-decides">
                    {t('syncConflicts.adminDecides')}
                  </Text>
                ) : (
                  <Group gap="xs" justify="flex-end" wrap="nowrap">
                    {canReverse(c) && (
                      <Button
                        size="xs"
                        variant="default"
                        loading={busy?.id === c.id && busy.reverse}
                        disabled={!!busy && busy.id !== c.id}
                        onClick={() => void resolve(c, true)}
                        data-testid="sync-conflict-reverse"
                      >
                        {t('syncConflicts.reverse')}
                      </Button>
                    )}
                    <Button
                      size="xs"
                      variant="light"
                      loading={busy?.id === c.id && !busy.reverse}
                      disabled={!!busy && busy.id !== c.id}
                      onClick={() => void resolve(c, false)}
                      data-testid="sync-conflict-keep"
                    >
                      {t('syncConflicts.keep')}
                    </Button>
                  </Group>
                )}
              </Table.Td>
            </Table.Tr>
          )}
        />
      </Paper>
    </AppLayout>
  );
}

// subjectText: "Customer account · Company name", or the record alone.
function subjectText(t: TFunction, c: Conflict): string {
  const s = conflictSubject(c);
  const entity = 'key' in s.entity ? t(`sync.entities.${s.entity.key}`) : s.entity.raw;
  if (!s.field) return entity;
  const field = 'key' in s.field ? t(`sync.fields.${s.field.key}`) : s.field.raw;
  return `${entity} · ${field}`;
}

function Value({ v }: { v: unknown }) {
  const { t } = useTranslation();
  const val = conflictValue(v);
  if (val.empty) {
    return (
      <Text size="sm" c="dimmed" fs="italic">
        {t('syncConflicts.emptyValue')}
      </Text>
    );
  }
  const body = val.json ? (
    <Code style={{ wordBreak: 'break-all', whiteSpace: 'pre-wrap' }}>{val.text}</Code>
  ) : (
    <Text size="sm" style={{ wordBreak: 'break-word' }}>
      {val.text}
    </Text>
  );
  if (!val.full) return body;
  return (
    <Tooltip label={val.full} multiline maw={480} style={{ wordBreak: 'break-all' }}>
      <div>{body}</div>
    </Tooltip>
  );
}
