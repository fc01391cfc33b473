import { Badge, Button, Center, Group, Loader, Paper, Select, Table, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router-dom';
import { api, type AccountStatus, type AccountSummary } from '../api';
import { asApiError } from '../api/errors';
import { canCreateAccounts } from '../account/fields';
import { useSession } from '../auth/session';
import { ErrorAlert } from '../components/Alerts';
import { AppLayout } from '../components/AppLayout';
import { IconPlus, IconSearch } from '../components/icons';
import { useApiError } from '../hooks/useApiError';
import { useScreen } from '../hooks/useScreen';
import { formatDate } from '../lib/intl';

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

  const open = (id: string) => navigate(`/accounts/${encodeURIComponent(id)}`);
  const filtered = !!debounced || !!status;

  return (
    <AppLayout size="xl">
      <Paper withBorder radius="md" p="xl" shadow="xs" data-testid="accounts">
        <Group justify="space-between" align="flex-start" wrap="nowrap">
          <div>
            <Title order={2} fw={600}>
              {t('accounts.title')}
            </Title>
            <Text c="dimmed" size="sm" mt={4}>
              {t('accounts.intro')}
            </Text>
          </div>
          {canCreateAccounts(user?.role) && (
            <Button component={Link} to="/accounts/new" leftSection={<IconPlus size={16} />} size="sm" data-testid="accounts-new">
              {t('accounts.new')}
            </Button>
          )}
        </Group>

        <Group mt="lg" gap="md" align="flex-end" wrap="nowrap">
          <TextInput
            style={{ flex: 1 }}
            label={t('accounts.search')}
            placeholder={t('accounts.searchPlaceholder')}
            leftSection={<IconSearch size={16} />}
            rightSection={loading && items !== null ? <Loader size={14} /> : null}
            value={query}
            onChange={(e) => setQuery(e.currentTarget.value)}
            data-testid="accounts-search"
          />
          <Select
            w={230}
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

        {items === null ? (
          <Center py="xl">{loading && <Loader size="sm" aria-label={t('common.loading')} />}</Center>
        ) : items.length === 0 ? (
          <Text c="dimmed" ta="center" py="xl" data-testid="accounts-empty">
            {filtered ? t('accounts.noMatch') : t('accounts.empty')}
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={860} mt="lg">
            <Table highlightOnHover verticalSpacing="sm" style={{ opacity: loading ? 0.6 : 1 }} data-testid="accounts-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('accounts.col.name')}</Table.Th>
                  <Table.Th>{t('accounts.col.type')}</Table.Th>
                  <Table.Th>{t('accounts.col.email')}</Table.Th>
                  <Table.Th>{t('accounts.col.phone')}</Table.Th>
                  <Table.Th>{t('accounts.col.taxId')}</Table.Th>
                  <Table.Th>{t('accounts.col.status')}</Table.Th>
                  <Table.Th>{t('accounts.col.created')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((a) => (
                  <Table.Tr
                    key={a.id}
                    className="gh-click-row"
                    tabIndex={0}
                    onClick={() => open(a.id)}
                    onKeyDown={(e) => {
                      if (e.key === 'Enter') open(a.id);
                    }}
                    data-testid={`accounts-row-${a.id}`}
                  >
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
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}

        {items !== null && next && (
          <Center mt="lg">
            <Button variant="default" onClick={() => void fetchPage(next)} loading={more} data-testid="accounts-more">
              {t('accounts.more')}
            </Button>
          </Center>
        )}
      </Paper>
    </AppLayout>
  );
}
