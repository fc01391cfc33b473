import '@mantine/charts/styles.css';
import { BarChart } from '@mantine/charts';
import { ReferenceLine } from 'recharts';
import { Box, Button, Center, Group, Loader, Paper, Select, SimpleGrid, Table, Text, Title } from '@mantine/core';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, downloadURL, uiLanguage, type MonthlyReport, type ReportMetrics } from '../api';
import { asApiError } from '../api/errors';
import { useSession } from '../auth/session';
import { ErrorAlert } from '../components/Alerts';
import { AppLayout } from '../components/AppLayout';
import { IconDownload, IconFile } from '../components/icons';
import { useApiError } from '../hooks/useApiError';
import { useSaveFile } from '../hooks/useSaveFile';
import { useScreen } from '../hooks/useScreen';
import { formatDateTime, formatNumber, initialTimeZone, timeZoneFilter, timeZoneOptions } from '../lib/intl';
import { currentMonth, formatDuration, monthKey, monthOptions, parseMonthKey } from '../lib/report';

// How far back the month list goes.
const MONTHS_BACK = 60;

export const METRICS = [
  'signUps',
  'verifications',
  'profilesCompleted',
  'kycSubmitted',
  'kycApproved',
  'kycRejected',
  'medianHoursToApproval',
] as const satisfies readonly (keyof ReportMetrics)[];
type Metric = (typeof METRICS)[number];

// The chart's series: the month's flow, from sign-up to approval, in the
// colours of the report PDF.
const SERIES = [
  { name: 'signUps', color: 'blue.6' },
  { name: 'verifications', color: 'teal.6' },
  { name: 'kycApproved', color: 'orange.6' },
] as const;

// seriesOrder keeps the legend and tooltip in the flow's order (recharts
// sorts them by name otherwise).
const seriesOrder = (key: unknown): number => SERIES.findIndex((s) => s.name === key);

// DashboardPage: a month of onboarding at a glance, in a chosen time zone:
// totals, a day-by-day chart and the figures per field agent, with the
// same report as a spreadsheet or a PDF.
export function DashboardPage() {
  useScreen('dashboard');
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const { user, config, setUser } = useSession();
  const [timeZone, setTimeZone] = useState(() =>
    user?.timeZone && config.timeZones.includes(user.timeZone) ? user.timeZone : initialTimeZone(config) || 'UTC',
  );
  const latest = useMemo(() => currentMonth(timeZone), [timeZone]);
  const [month, setMonth] = useState(() => monthKey(currentMonth(timeZone)));
  const [report, setReport] = useState<MonthlyReport | null>(null);
  const [loading, setLoading] = useState(true);
  const failure = useApiError();
  const setFailure = failure.set;
  const seq = useRef(0);
  const { save, busy } = useSaveFile();

  const zones = useMemo(() => timeZoneOptions(config.timeZones), [config.timeZones]);
  const zoneFilter = useMemo(() => timeZoneFilter(lang), [lang]);
  const months = useMemo(() => {
    const opts = monthOptions(latest, MONTHS_BACK, lang);
    // A zone ahead of the chosen month keeps it on the list.
    if (!opts.some((o) => o.value === month)) {
      const ym = parseMonthKey(month);
      if (ym) opts.unshift(...monthOptions(ym, 1, lang));
    }
    return opts;
  }, [latest, lang, month]);
  const ym = parseMonthKey(month) ?? latest;

  useEffect(() => {
    const n = ++seq.current;
    setLoading(true);
    api
      .monthlyReport({ year: ym.year, month: ym.month, timeZone })
      .then((r) => {
        if (seq.current !== n) return;
        setReport(r);
        setFailure(null);
      })
      .catch((e) => {
        if (seq.current !== n) return;
        if (asApiError(e).body.code === 'unauthorized') setUser(null);
        else setFailure(e);
      })
      .finally(() => {
        if (seq.current === n) setLoading(false);
      });
  }, [ym.year, ym.month, timeZone, setFailure, setUser]);

  const download = (format: 'xlsx' | 'pdf') =>
    void save(format, {
      desktop: () => api.saveMonthlyReport({ year: ym.year, month: ym.month, timeZone, format }),
      web: () => downloadURL.report(ym.year, ym.month, timeZone, format, uiLanguage()),
    });

  return (
    <AppLayout size="xl">
      <Paper withBorder radius="md" p={{ base: 'md', sm: 'xl' }} shadow="xs" data-testid="dashboard">
        <Group justify="space-between" align="flex-start" gap="md">
          <div style={{ flex: '1 1 16rem' }}>
            <Title order={2} fw={600}>
              {t('dashboard.title')}
            </Title>
            <Text c="dimmed" size="sm" mt={4}>
              {t('dashboard.intro')}
            </Text>
          </div>
          <Group gap="sm">
            <Button
              variant="default"
              size="sm"
              leftSection={<IconDownload size={16} />}
              loading={busy === 'xlsx'}
              onClick={() => download('xlsx')}
              data-testid="dash-xlsx"
            >
              {t('dashboard.xlsx')}
            </Button>
            <Button
              variant="default"
              size="sm"
              leftSection={<IconFile size={16} />}
              loading={busy === 'pdf'}
              onClick={() => download('pdf')}
              data-testid="dash-pdf"
            >
              {t('dashboard.pdf')}
            </Button>
          </Group>
        </Group>

        <Group mt="lg" gap="md" align="flex-end">
          <Select
            w={220}
            label={t('dashboard.month')}
            data={months}
            value={month}
            searchable
            allowDeselect={false}
            maxDropdownHeight={300}
            nothingFoundMessage={t('dashboard.monthNothing')}
            onChange={(v) => v && setMonth(v)}
            data-testid="dash-month"
            data-value={month}
          />
          <Select
            w={340}
            label={t('dashboard.timeZone')}
            data={zones}
            filter={zoneFilter}
            value={timeZone}
            searchable
            allowDeselect={false}
            maxDropdownHeight={300}
            nothingFoundMessage={t('register.timeZoneNothing')}
            onChange={(v) => v && setTimeZone(v)}
            data-testid="dash-timezone"
            data-value={timeZone}
          />
          {loading && report && <Loader size="sm" mb={8} aria-label={t('common.loading')} />}
        </Group>
        <ErrorAlert error={failure.error} secondsLeft={failure.secondsLeft} testid="dash-error" mt="md" />
      </Paper>

      {!report && loading && (
        <Center py="xl">
          <Loader size="sm" aria-label={t('common.loading')} />
        </Center>
      )}
      {report && <ReportView report={report} stale={loading} />}
    </AppLayout>
  );
}

function ReportView({ report, stale }: { report: MonthlyReport; stale: boolean }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const value = (m: Metric, r: ReportMetrics) =>
    m === 'medianHoursToApproval'
      ? r.kycApproved > 0 || r.medianHoursToApproval > 0
        ? formatDuration(r.medianHoursToApproval, lang)
        : '—'
      : formatNumber(r[m], lang);
  const data = (report.days ?? []).map((d) => ({
    day: String(d.day),
    signUps: d.signUps,
    verifications: d.verifications,
    kycApproved: d.kycApproved,
  }));
  const series = SERIES.map((s) => ({ ...s, label: t(`dashboard.metric.${s.name}`) }));
  const agents = report.byAgent ?? [];
  const quiet = SERIES.every((s) => report.totals[s.name] === 0);

  return (
    <Box style={{ opacity: stale ? 0.6 : 1, transition: 'opacity 120ms' }} data-testid="dash-report" data-month={monthKey(report)} data-timezone={report.timeZone}>
      <SimpleGrid cols={{ base: 2, sm: 4, lg: 7 }} spacing="md" mt="lg">
        {METRICS.map((m) => (
          <Paper key={m} withBorder radius="md" p="md" shadow="xs" data-testid={`dash-kpi-${m}`} data-value={report.totals[m]}>
            <Text size="xs" c="dimmed" fw={600} tt="uppercase" style={{ letterSpacing: '0.03em' }} lh={1.3} mih={32}>
              {t(`dashboard.metric.${m}`)}
            </Text>
            <Text fz={m === 'medianHoursToApproval' ? 22 : 28} fw={700} mt={6} lh={1.2}>
              {value(m, report.totals)}
            </Text>
          </Paper>
        ))}
      </SimpleGrid>

      <Paper withBorder radius="md" p={{ base: 'md', sm: 'xl' }} shadow="xs" mt="lg">
        <Group justify="space-between" align="baseline" mb="md">
          <Title order={4} fw={600}>
            {t('dashboard.byDay')}
          </Title>
          <Text size="xs" c="dimmed" data-testid="dash-made">
            {t('dashboard.made', { time: formatDateTime(report.made, lang, report.timeZone), zone: report.timeZone })}
          </Text>
        </Group>
        <Box pos="relative">
          <BarChart
            h={300}
            data={data}
            dataKey="day"
            series={series}
            withLegend
            legendProps={{ verticalAlign: 'top', height: 36, itemSorter: (item) => seriesOrder(item.dataKey) }}
            tooltipProps={{ itemSorter: (item) => seriesOrder(item.dataKey) }}
            tickLine="y"
            gridAxis="x"
            xAxisLabel={t('dashboard.day')}
            yAxisProps={{ allowDecimals: false, width: 40 }}
            maxBarWidth={14}
            valueFormatter={(v) => formatNumber(v, lang)}
            data-testid="dash-chart"
            data-days={data.length}
            aria-label={t('dashboard.chartLabel')}
          >
            {/* recharts 3 drops some grid lines without a reference line (mantinedev/mantine#8110) */}
            <ReferenceLine y={0} stroke="transparent" ifOverflow="extendDomain" />
          </BarChart>
          {quiet && (
            <Center pos="absolute" inset={0} style={{ pointerEvents: 'none' }}>
              <Text size="sm" c="dimmed" bg="var(--mantine-color-body)" px="sm" data-testid="dash-chart-empty">
                {t('dashboard.quiet')}
              </Text>
            </Center>
          )}
        </Box>
      </Paper>

      <Paper withBorder radius="md" p={{ base: 'md', sm: 'xl' }} shadow="xs" mt="lg">
        <Title order={4} fw={600} mb="md">
          {t('dashboard.byAgent')}
        </Title>
        {agents.length === 0 ? (
          <Text size="sm" c="dimmed" data-testid="dash-agents-empty">
            {t('dashboard.noAgents')}
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={900}>
            <Table striped highlightOnHover verticalSpacing="sm" data-testid="dash-agents">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('dashboard.agent')}</Table.Th>
                  {METRICS.map((m) => (
                    <Table.Th key={m} ta="right">
                      {t(`dashboard.metricShort.${m}`)}
                    </Table.Th>
                  ))}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {agents.map((a) => (
                  <Table.Tr key={a.agentId || a.source} data-testid={`dash-agent-${a.agentId || a.source}`}>
                    <Table.Td>
                      <Text size="sm" fw={500} fs={a.source === 'agent' ? undefined : 'italic'}>
                        {a.source === 'self' ? t('dashboard.selfSignUp') : a.source === 'office' ? t('dashboard.backOffice') : a.agent}
                      </Text>
                    </Table.Td>
                    {METRICS.map((m) => (
                      <Table.Td key={m} ta="right" style={{ fontVariantNumeric: 'tabular-nums', whiteSpace: 'nowrap' }} data-metric={m} data-value={a[m]}>
                        {value(m, a)}
                      </Table.Td>
                    ))}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Paper>
    </Box>
  );
}
