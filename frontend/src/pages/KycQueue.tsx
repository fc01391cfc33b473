import { Badge, Group, Loader, Paper, Select, Table, Text, Title } from '@mantine/core';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { api, type KYCCatalogue, type KYCQueueItem } from '../api';
import { asApiError } from '../api/errors';
import { useSession } from '../auth/session';
import { ErrorAlert } from '../components/Alerts';
import { ListTable } from '../components/ListTable';
import { AppLayout } from '../components/AppLayout';
import { useApiError } from '../hooks/useApiError';
import { useScreen } from '../hooks/useScreen';
import { allEntityTypes, entityTypeName, STATE_COLORS, textIn, waitingDays } from '../kyc/catalogue';
import { onKycChanged } from '../kyc/events';
import { formatDateTime, regionName } from '../lib/intl';
import { useRefreshOnSync } from '../sync/status';

type QueueState = '' | 'submitted' | 'in_review';

// KycQueuePage: the cases waiting for a reviewer, oldest first, filtered by
// entity type and state. Reviewers and admins open a case to decide;
// managers watch the queue.
export function KycQueuePage() {
  useScreen('kyc-queue');
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const navigate = useNavigate();
  const { user, setUser } = useSession();
  const [entityType, setEntityType] = useState('');
  const [state, setState] = useState<QueueState>('');
  const [items, setItems] = useState<KYCQueueItem[] | null>(null);
  const [catalogue, setCatalogue] = useState<KYCCatalogue | null>(null);
  const [loading, setLoading] = useState(false);
  const failure = useApiError();
  const setFailure = failure.set;
  const seq = useRef(0);

  useEffect(() => {
    api
      .kycCatalogue()
      .then(setCatalogue)
      .catch(() => undefined); // names fall back to ids
  }, []);

  const load = useCallback(async () => {
    const n = ++seq.current;
    setLoading(true);
    setFailure(null);
    try {
      const res = await api.kycQueue({ entityType, state });
      if (seq.current !== n) return;
      setItems(res?.items ?? []);
    } catch (e) {
      if (seq.current !== n) return;
      if (asApiError(e).body.code === 'unauthorized') setUser(null);
      else setFailure(e);
    } finally {
      if (seq.current === n) setLoading(false);
    }
  }, [entityType, state, setFailure, setUser]);

  useEffect(() => {
    void load();
    return onKycChanged(() => void load());
  }, [load]);
  useRefreshOnSync(() => {
    void load();
    return true;
  });

  const open = (it: KYCQueueItem) => navigate(`/accounts/${encodeURIComponent(it.accountId)}/kyc`);
  const filtered = !!entityType || !!state;

  // Entity types grouped by country; an id two countries share is listed once.
  const groups = new Map<string, { value: string; label: string }[]>();
  for (const { country, type } of allEntityTypes(catalogue)) {
    const g = regionName(country, lang) || country;
    groups.set(g, [...(groups.get(g) ?? []), { value: type.id, label: textIn(type.name, lang) }]);
  }
  const typeData = [
    { value: 'all', label: t('kycQueue.allTypes') },
    ...[...groups.entries()].map(([group, items]) => ({ group, items })),
  ];

  const waiting = (it: KYCQueueItem) => {
    const days = waitingDays(it.submittedAt);
    return days === 0 ? t('kycQueue.today') : t('kycQueue.days', { count: days });
  };

  return (
    <AppLayout size="xl">
      <Paper withBorder radius="md" p={{ base: 'md', sm: 'xl' }} shadow="xs" data-testid="kyc-queue">
        <Group justify="space-between" align="flex-start">
          <div style={{ flex: '1 1 16rem' }}>
            <Title order={2} fw={600}>
              {t('kycQueue.title')}
            </Title>
            <Text c="dimmed" size="sm" mt={4}>
              {user?.role === 'manager' ? t('kycQueue.introManager') : t('kycQueue.intro')}
            </Text>
          </div>
        </Group>

        <Group mt="lg" gap="md" align="flex-end">
          <Select
            w={300}
            label={t('kycQueue.entityType')}
            data={typeData}
            value={entityType || 'all'}
            onChange={(v) => setEntityType(!v || v === 'all' ? '' : v)}
            allowDeselect={false}
            searchable
            data-testid="kyc-queue-type"
          />
          <Select
            w={230}
            label={t('kycQueue.state')}
            data={[
              { value: 'all', label: t('kycQueue.allWaiting') },
              { value: 'submitted', label: t('kyc.states.submitted') },
              { value: 'in_review', label: t('kyc.states.in_review') },
            ]}
            value={state || 'all'}
            onChange={(v) => setState(!v || v === 'all' ? '' : (v as QueueState))}
            allowDeselect={false}
            data-testid="kyc-queue-state"
          />
          {loading && items !== null && <Loader size={16} mb={10} />}
        </Group>

        <ErrorAlert error={failure.error} secondsLeft={failure.secondsLeft} testid="kyc-queue-error" mt="md" />

        <ListTable
          items={items}
          loading={loading}
          empty={filtered ? t('kycQueue.noMatch') : t('kycQueue.empty')}
          testid="kyc-queue-table"
          emptyTestid="kyc-queue-empty"
          minWidth={860}
          head={
            <>
              <Table.Th>{t('kycQueue.col.account')}</Table.Th>
              <Table.Th>{t('kycQueue.col.reference')}</Table.Th>
              <Table.Th>{t('kycQueue.col.entityType')}</Table.Th>
              <Table.Th>{t('kycQueue.col.state')}</Table.Th>
              <Table.Th>{t('kycQueue.col.submitted')}</Table.Th>
              <Table.Th>{t('kycQueue.col.waiting')}</Table.Th>
            </>
          }
          row={(it) => (
            <Table.Tr
              key={it.caseId}
              className="gh-click-row"
              tabIndex={0}
              onClick={() => open(it)}
              onKeyDown={(e) => {
                if (e.key === 'Enter') open(it);
              }}
              data-testid={`kyc-queue-row-${it.caseId}`}
              data-account-id={it.accountId}
              data-state={it.state}
            >
              <Table.Td>
                <Text size="sm" fw={600}>
                  {it.accountName || t('accounts.unnamed')}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm" ff="monospace" style={{ whiteSpace: 'nowrap' }}>
                  {it.reference}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{entityTypeName(catalogue, it.entityType, lang) || '—'}</Text>
              </Table.Td>
              <Table.Td>
                <Badge variant="light" color={STATE_COLORS[it.state]} data-state={it.state} style={{ minWidth: 'max-content' }}>
                  {t(`kyc.states.${it.state}`)}
                </Badge>
              </Table.Td>
              <Table.Td>
                <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                  {formatDateTime(it.submittedAt, lang, user?.timeZone)}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm" style={{ whiteSpace: 'nowrap' }} data-testid={`kyc-queue-waiting-${it.caseId}`}>
                  {waiting(it)}
                </Text>
              </Table.Td>
            </Table.Tr>
          )}
        />
      </Paper>
    </AppLayout>
  );
}
