import { Anchor, Badge, Button, Center, Checkbox, Group, Loader, Paper, Select, Table, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router-dom';
import { api, downloadURL, type AccountStatus, type AccountSummary } from '../api';
import { asApiError } from '../api/errors';
import { canCreateAccounts, canExportAllEmployees } from '../account/fields';
import { useSession } from '../auth/session';
import { ErrorAlert } from '../components/Alerts';
import { ListTable } from '../components/ListTable';
import { AppLayout } from '../components/AppLayout';
import { BatchExportModal, useBatchExport } from '../components/exports/BatchExport';
import { IconDownload, IconFile, IconPlus, IconSearch } from '../components/icons';
import { useApiError } from '../hooks/useApiError';
import { useSaveFile } from '../hooks/useSaveFile';
import { useScreen } from '../hooks/useScreen';
import { useRefreshOnSync } from '../sync/status';
import { formatDate, formatNumber } from '../lib/intl';

const PAGE = 25;
const none = (
  <Text size="sm" c="dimmed">
    —
  </Text>
);
const STATUSES: readonly AccountStatus[] = ['registered', 'verified', 'profile_complete'];
const STATUS_COLORS: Record<AccountStatus, string> = { registered: 'gray', verified: 'blue', profile_complete: 'teal' };

// AccountsPage: the staff's list of customer accounts, searchable by name,
// email, phone and tax id, filtered by status, paged by cursor.
export function AccountsPage() {
  useScreen('accounts');
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const navigate = useNavigate();
  const { user, setUser } = useSession();
  const [query, setQuery] = useState('');
  const [debounced] = useDebouncedValue(query.trim(), 300);
  const [status, setStatus] = useState<AccountStatus | ''>('');
  const [items, setItems] = useState<AccountSummary[] | null>(null);
  const [next, setNext] = useState('');
  const [loading, setLoading] = useState(false);
  const [more, setMore] = useState(false);
  const failure = useApiError();
  const setFailure = failure.set;
  const seq = useRef(0);
  // Accounts ticked for a batch export; kept while the list is searched.
  const [selected, setSelected] = useState<Set<string>>(() => new Set());
  const batch = useBatchExport();
  const { save, busy } = useSaveFile();

  const fetchPage = useCallback(
    async (after: string) => {
      const n = ++seq.current;
      if (after) setMore(true);
      else setLoading(true);
      setFailure(null);
      try {
        const page = await api.listAccounts({ query: debounced, status, after, limit: PAGE });
        if (seq.current !== n) return;
        const got = page?.items ?? [];
        setItems((old) => (after ? [...(old ?? []), ...got] : got));
        setNext(page?.next ?? '');
      } catch (e) {
        if (seq.current !== n) return;
        if (asApiError(e).body.code === 'unauthorized') setUser(null);
        else setFailure(e);
      } finally {
        if (seq.current === n) {
          setLoading(false);
          setMore(false);
        }
      }
    },
    [debounced, status, setFailure, setUser],
  );

  useEffect(() => {
    void fetchPage('');
  }, [fetchPage]);
  // Only the first page comes back fresh: a longer list stays as scrolled.
  useRefreshOnSync(() => {
    if ((items?.length ?? 0) > PAGE) return false;
    void fetchPage('');
    return true;
  });

  const open = (id: string) => navigate(`/accounts/${encodeURIComponent(id)}`);
  const filtered = !!debounced || !!status;

  const shown = items ?? [];
  const onPage = shown.filter((a) => selected.has(a.id)).length;
  const toggle = (id: string, on: boolean) =>
    setSelected((old) => {
      const next = new Set(old);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  const togglePage = (on: boolean) =>
    setSelected((old) => {
      const next = new Set(old);
      for (const a of shown) {
        if (on) next.add(a.id);
        else next.delete(a.id);
      }
      return next;
    });
  const exportAll = () =>
    void save('employees', {
      desktop: () => api.saveEmployees({ accountId: '' }),
      web: () => downloadURL.employees(''),
    });

  return (
    <AppLayout size="xl">
      <Paper withBorder radius="md" p={{ base: 'md', sm: 'xl' }} shadow="xs" data-testid="accounts">
        <Group justify="space-between" align="flex-start">
          <div style={{ flex: '1 1 16rem' }}>
            <Title order={2} fw={600}>
              {t('accounts.title')}
            </Title>
            <Text c="dimmed" size="sm" mt={4}>
              {t('accounts.intro')}
            </Text>
          </div>
          <Group gap="sm">
            {canExportAllEmployees(user?.role) && (
              <Button
                variant="default"
                size="sm"
                leftSection={<IconDownload size={16} />}
                loading={busy === 'employees'}
                onClick={exportAll}
                data-testid="export-all-employees"
              >
                {t('exports.allEmployees')}
              </Button>
            )}
            {canCreateAccounts(user?.role) && (
              <Button component={Link} to="/accounts/new" leftSection={<IconPlus size={16} />} size="sm" data-testid="accounts-new">
                {t('accounts.new')}
              </Button>
            )}
          </Group>
        </Group>

        <Group mt="lg" gap="md" align="flex-end">
          <TextInput
            style={{ flex: 1, minWidth: 220 }}
            label={t('accounts.search')}
            placeholder={t('accounts.searchPlaceholder')}
            leftSection={<IconSearch size={16} />}
            rightSection={loading && items !== null ? <Loader size={14} /> : null}
            value={query}
            onChange={(e) => setQuery(e.currentTarget.value)}
            data-testid="accounts-search"
          />
          <Select
            w={{ base: '100%', xs: 230 }}
            label={t('accounts.status')}
            data={[
              { value: 'all', label: t('accounts.statusAll') },
              ...STATUSES.map((s) => ({ value: s, label: t(`accounts.statuses.${s}`) })),
            ]}
            value={status || 'all'}
            searchable
            allowDeselect={false}
            onChange={(v) => setStatus(!v || v === 'all' ? '' : (v as AccountStatus))}
            data-testid="accounts-status"
          />
        </Group>

        <ErrorAlert error={failure.error} secondsLeft={failure.secondsLeft} testid="accounts-error" mt="md" />

        {items !== null && items.length > 0 && (
          <Group mt="lg" gap="md" justify="space-between" className="gh-selection-bar" data-testid="accounts-selection">
            <Group gap="sm">
              <Text size="sm" c={selected.size ? undefined : 'dimmed'} data-testid="accounts-selected" data-count={selected.size}>
                {selected.size
                  ? t('exports.selected', { count: selected.size, n: formatNumber(selected.size, lang) })
                  : t('exports.selectHint')}
              </Text>
              {selected.size > 0 && (
                <Anchor component="button" type="button" size="sm" onClick={() => setSelected(new Set())} data-testid="accounts-select-clear">
                  {t('exports.clearSelection')}
                </Anchor>
              )}
            </Group>
            <Button
              size="sm"
              variant={selected.size ? 'filled' : 'default'}
              leftSection={<IconFile size={16} />}
              disabled={selected.size === 0}
              onClick={() => batch.start([...selected])}
              data-testid="export-batch"
            >
              {t('exports.batch')}
            </Button>
          </Group>
        )}

        <ListTable
          items={items}
          loading={loading}
          empty={filtered ? t('accounts.noMatch') : t('accounts.empty')}
          testid="accounts-table"
          emptyTestid="accounts-empty"
          minWidth={900}
          mt="md"
          head={
            <>
              <Table.Th w={44}>
                <Checkbox
                  aria-label={t('exports.selectPage')}
                  checked={shown.length > 0 && onPage === shown.length}
                  indeterminate={onPage > 0 && onPage < shown.length}
                  onChange={(e) => togglePage(e.currentTarget.checked)}
                  data-testid="accounts-select-page"
                />
              </Table.Th>
              <Table.Th>{t('accounts.col.name')}</Table.Th>
              <Table.Th>{t('accounts.col.type')}</Table.Th>
              <Table.Th>{t('accounts.col.email')}</Table.Th>
              <Table.Th>{t('accounts.col.phone')}</Table.Th>
              <Table.Th>{t('accounts.col.taxId')}</Table.Th>
              <Table.Th>{t('accounts.col.status')}</Table.Th>
              <Table.Th>{t('accounts.col.created')}</Table.Th>
            </>
          }
          row={(a) => (
            <Table.Tr
              key={a.id}
              className="gh-click-row"
              tabIndex={0}
              onClick={() => open(a.id)}
              onKeyDown={(e) => {
                if (e.key === 'Enter') open(a.id);
              }}
              data-testid={`accounts-row-${a.id}`}
              data-selected={selected.has(a.id) || undefined}
            >
              <Table.Td onClick={(e) => e.stopPropagation()} onKeyDown={(e) => e.stopPropagation()}>
                <Checkbox
                  aria-label={t('exports.selectOne', { name: a.name || t('accounts.unnamed') })}
                  checked={selected.has(a.id)}
                  onChange={(e) => toggle(a.id, e.currentTarget.checked)}
                  data-testid={`accounts-select-${a.id}`}
                />
              </Table.Td>
              <Table.Td>
                <Text size="sm" fw={600}>
                  {a.name || t('accounts.unnamed')}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{t(`accountDetails.${a.type}`)}</Text>
              </Table.Td>
              <Table.Td>{a.email ? <Text size="sm">{a.email}</Text> : none}</Table.Td>
              <Table.Td>
                {a.phone ? (
                  <Text size="sm" ff="monospace" style={{ whiteSpace: 'nowrap' }}>
                    {a.phone}
                  </Text>
                ) : (
                  none
                )}
              </Table.Td>
              <Table.Td>
                {a.taxId ? (
                  <Text size="sm" ff="monospace">
                    {a.taxId}
                  </Text>
                ) : (
                  none
                )}
              </Table.Td>
              <Table.Td>
                <Badge variant="light" color={STATUS_COLORS[a.status]} data-status={a.status} style={{ minWidth: 'max-content' }}>
                  {t(`accounts.statuses.${a.status}`)}
                </Badge>
              </Table.Td>
              <Table.Td>
                <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                  {formatDate(a.createdAt, lang, user?.timeZone, 'numeric')}
                </Text>
              </Table.Td>
            </Table.Tr>
          )}
        />

        {items !== null && next && (
          <Center mt="lg">
            <Button variant="default" onClick={() => void fetchPage(next)} loading={more} data-testid="accounts-more">
              {t('accounts.more')}
            </Button>
          </Center>
        )}
      </Paper>
      <BatchExportModal state={batch.state} onCancel={() => void batch.cancel()} onClose={batch.reset} />
    </AppLayout>
  );
}
