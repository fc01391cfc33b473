import { Anchor, Badge, Box, Button, Center, Group, Loader, Paper, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import { api, type Account, type Address } from '../api';
import { asApiError } from '../api/errors';
import { displayName, normalizeProfile, requisiteLabel, requisitesFor } from '../account/fields';
import { useSession } from '../auth/session';
import { ErrorAlert } from '../components/Alerts';
import { AppLayout } from '../components/AppLayout';
import { CompanyWindow } from '../components/CompanyWindow';
import { InvoicePdfButton } from '../components/exports/InvoicePdfButton';
import { IconArrowLeft, IconBuilding, IconCheck, IconShield } from '../components/icons';
import { MissingAlert } from '../components/MissingAlert';
import { useApiError } from '../hooks/useApiError';
import { useScreen } from '../hooks/useScreen';
import { formatDate, formatNumber, regionName } from '../lib/intl';
import { useRefreshOnSync } from '../sync/status';

function Detail({ label, children, testid }: { label: string; children: ReactNode; testid?: string }) {
  return (
    <Box>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600} style={{ letterSpacing: '0.04em' }}>
        {label}
      </Text>
      <Group gap={8} mt={4} data-testid={testid} wrap="wrap">
        {children}
      </Group>
    </Box>
  );
}

const dash = <Text c="dimmed">—</Text>;

function addressLine(a: Address, lang: string): string {
  return [a.line1, a.line2, a.city, a.region, a.postcode, a.country ? regionName(a.country, lang) : '']
    .map((s) => s.trim())
    .filter(Boolean)
    .join(', ');
}

// AccountViewPage: one customer account as staff see it: its details, what
// its profile still lacks, and its company information window (editable for
// those the backend allows: account.canEdit).
export function AccountViewPage() {
  useScreen('account');
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const { setUser } = useSession();
  const [account, setAccount] = useState<Account | null>(null);
  const [loading, setLoading] = useState(true);
  const [open, setOpen] = useState(false);
  const failure = useApiError();
  const setFailure = failure.set;

  const load = useCallback(async () => {
    setLoading(true);
    setFailure(null);
    try {
      setAccount(await api.getAccount({ accountId: id }));
    } catch (e) {
      if (asApiError(e).body.code === 'unauthorized') setUser(null);
      else setFailure(e);
    } finally {
      setLoading(false);
    }
  }, [id, setFailure, setUser]);

  useEffect(() => {
    void load();
  }, [load]);

  // Sync bringing changes refreshes the page quietly (no loader), unless
  // the company window is open: it may hold edits, so the header offers a
  // reload instead.
  useRefreshOnSync(() => {
    if (open) return false;
    api
      .getAccount({ accountId: id })
      .then(setAccount)
      .catch(() => undefined); // the page keeps what it showed
    return true;
  });

  return (
    <AppLayout size="lg">
      <Stack gap="lg">
        <Anchor component={Link} to="/accounts" size="sm" data-testid="account-back">
          <Group gap={6} wrap="nowrap">
            <IconArrowLeft size={16} />
            {t('accountView.back')}
          </Group>
        </Anchor>
        <ErrorAlert error={failure.error} secondsLeft={failure.secondsLeft} testid="account-error" />
        {loading && !account && (
          <Center py="xl">
            <Loader size="sm" aria-label={t('common.loading')} />
          </Center>
        )}
        {account && (
          <>
            <AccountSummaryCard account={account} onOpen={() => setOpen(true)} />
            <CompanyCard account={account} />
            <CompanyWindow opened={open} onClose={() => setOpen(false)} account={account} onSaved={setAccount} />
          </>
        )}
      </Stack>
    </AppLayout>
  );
}

function AccountSummaryCard({ account, onOpen }: { account: Account; onOpen: () => void }) {
  const { t, i18n } = useTranslation();
  const { user } = useSession();
  const lang = i18n.resolvedLanguage ?? 'en';
  const d = account.details;
  return (
    <Paper withBorder radius="md" p={{ base: 'md', sm: 'xl' }} shadow="xs" data-testid="account-view" data-account-id={account.id}>
      <Group justify="space-between" align="flex-start">
        <div style={{ flex: '1 1 16rem' }}>
          <Group gap="sm">
            <Title order={2} fw={600} data-testid="account-name">
              {displayName(account) || t('accounts.unnamed')}
            </Title>
            <Badge variant="light" color="gray">
              {t(`accountDetails.${d.type}`)}
            </Badge>
            <Badge variant="light" color={account.complete ? 'teal' : 'yellow'} data-testid="account-complete" data-complete={account.complete}>
              {account.complete ? t('accountView.complete') : t('accountView.incomplete')}
            </Badge>
          </Group>
          <Text size="sm" c="dimmed" mt={4}>
            {t('accountView.created', { date: formatDate(account.createdAt, lang, user?.timeZone) })}
          </Text>
        </div>
        <Group gap="sm">
          <InvoicePdfButton accountId={account.id} />
          <Button
            component={Link}
            to={`/accounts/${encodeURIComponent(account.id)}/kyc`}
            variant="default"
            leftSection={<IconShield size={16} />}
            data-testid="account-kyc"
          >
            {t('accountView.kyc')}
          </Button>
          <Button leftSection={<IconBuilding size={16} />} onClick={onOpen} data-testid="company-open">
            {t('nav.company')}
          </Button>
        </Group>
      </Group>

      <MissingAlert account={account} testid="account-missing" mt="lg" />

      <Title order={4} fw={600} mt="xl" mb="md">
        {t('accountView.details')}
      </Title>
      <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="lg" verticalSpacing="lg">
        <Detail label={t('accountDetails.firstName')} testid="account-first-name">
          <Text>{d.firstName || '—'}</Text>
        </Detail>
        <Detail label={t('accountDetails.lastName')} testid="account-last-name">
          <Text>{d.lastName || '—'}</Text>
        </Detail>
        {d.type === 'company' && (
          <Detail label={t('accountDetails.companyName')} testid="account-company-name">
            <Text>{d.companyName || '—'}</Text>
          </Detail>
        )}
        <Detail label={t('accountDetails.sector')} testid="account-sector">
          <Text>
            {d.sector === 'other' && d.sectorOther
              ? `${t('sectors.other')}: ${d.sectorOther}`
              : d.sector
                ? t(`sectors.${d.sector}`)
                : '—'}
          </Text>
        </Detail>
        <Detail label={t('accountDetails.phone')} testid="account-phone">
          <Text ff="monospace">{d.phone || '—'}</Text>
          <Text size="sm" c="dimmed">
            {t(`accountDetails.${d.phoneType}`)}
          </Text>
          {account.phoneVerified && (
            <Badge color="teal" variant="light" size="sm" leftSection={<IconCheck size={12} />}>
              {t('accountDetails.verified')}
            </Badge>
          )}
        </Detail>
      </SimpleGrid>
    </Paper>
  );
}

function CompanyCard({ account }: { account: Account }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const p = normalizeProfile(account.profile);
  const type = account.details.type;
  const req = requisitesFor(p.requisites.country, type).filter((f) => p.requisites[f]);
  const legal = addressLine(p.legalAddress, lang);
  const postal = p.postalSameAsLegal ? t('company.sameAsLegal') : addressLine(p.postalAddress, lang);
  return (
    <Paper withBorder radius="md" p={{ base: 'md', sm: 'xl' }} shadow="xs" data-testid="account-company">
      <Title order={4} fw={600} mb="md">
        {t('company.title')}
      </Title>
      <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="lg" verticalSpacing="lg">
        <Detail label={t('company.name')}>{p.name ? <Text>{p.name}</Text> : dash}</Detail>
        <Detail label={t('company.email')}>{p.email ? <Text>{p.email}</Text> : dash}</Detail>
        <Detail label={t('company.phone')}>{p.phone ? <Text ff="monospace">{p.phone}</Text> : dash}</Detail>
        <Detail label={t('company.timeZone')}>{p.timeZone ? <Text>{p.timeZone}</Text> : dash}</Detail>
        <Detail label={t('company.maxDialogsShort')}>
          <Text>{formatNumber(p.maxDialogs, lang)}</Text>
        </Detail>
        <Detail label={t('company.country')}>
          {p.requisites.country ? <Text>{regionName(p.requisites.country, lang)}</Text> : dash}
        </Detail>
        {req.map((f) => (
          <Detail key={f} label={requisiteLabel(t, f, type)}>
            <Text ff={f === 'bankName' ? undefined : 'monospace'}>{p.requisites[f]}</Text>
          </Detail>
        ))}
      </SimpleGrid>
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="lg" mt="lg">
        <Detail label={t('company.legalAddress')}>{legal ? <Text>{legal}</Text> : dash}</Detail>
        <Detail label={t('company.postalAddress')}>{postal ? <Text>{postal}</Text> : dash}</Detail>
      </SimpleGrid>
    </Paper>
  );
}
