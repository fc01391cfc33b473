import { Paper, Text, Timeline, Title } from '@mantine/core';
import type { ReactElement } from 'react';
import { useTranslation } from 'react-i18next';
import type { KYCCase, KYCCatalogue, KYCEvent } from '../../api';
import { useSession } from '../../auth/session';
import { eventDetail } from '../../kyc/catalogue';
import { formatDateTime } from '../../lib/intl';
import { IconAlert, IconCheck, IconFile, IconInfo, IconMail, IconX } from '../icons';

function look(action: string): { color: string; icon: ReactElement } {
  switch (action) {
    case 'approved':
    case 'document_approved':
      return { color: 'teal', icon: <IconCheck size={12} /> };
    case 'rejected':
    case 'document_rejected':
      return { color: 'red', icon: <IconX size={12} /> };
    case 'changes_requested':
      return { color: 'yellow', icon: <IconAlert size={12} /> };
    case 'emailed':
      return { color: 'grape', icon: <IconMail size={12} /> };
    case 'document_added':
    case 'document_replaced':
    case 'document_removed':
    case 'document_classified':
      return { color: 'gray', icon: <IconFile size={12} /> };
    default:
      return { color: 'indigo', icon: <IconInfo size={12} /> };
  }
}

// KycHistory: who did what to the case, when (in the user's time zone) and why.
export function KycHistory({ c, catalogue }: { c: KYCCase; catalogue: KYCCatalogue | null }) {
  const { t, i18n } = useTranslation();
  const { user } = useSession();
  const lang = i18n.resolvedLanguage ?? 'en';
  const state = (s: string) => t(`kyc.states.${s}`, { defaultValue: s });

  const line = (ev: KYCEvent) => {
    const d = eventDetail(ev, catalogue, c.country, lang, c.entityType);
    switch (d.type) {
      case 'none':
      case 'document': // in the title
        return null;
      case 'sender':
        return t('kyc.historySender', { sender: d.text });
      case 'reason':
        return <Text span size="sm" fs="italic" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>{d.text}</Text>;
      default:
        return d.text;
    }
  };

  return (
    <Paper withBorder radius="md" p={{ base: 'md', sm: 'xl' }} shadow="xs">
      <Title order={4} fw={600} mb="md">
        {t('kyc.history')}
      </Title>
      {c.history.length === 0 ? (
        <Text size="sm" c="dimmed" data-testid="kyc-history" data-count={0}>
          {t('kyc.historyEmpty')}
        </Text>
      ) : (
        <Timeline active={c.history.length - 1} bulletSize={22} lineWidth={2} className="gh-wrap" data-testid="kyc-history" data-count={c.history.length}>
          {c.history.map((ev, i) => {
            const { color, icon } = look(ev.action);
            const detail = line(ev);
            const d = eventDetail(ev, catalogue, c.country, lang, c.entityType);
            // "Rejected: PAN card — blurry photo": the document named, and why.
            const title =
              d.type === 'document'
                ? t(`kyc.documentActions.${ev.action}`, { kind: d.kind, defaultValue: `${ev.action}: ${d.kind}` }) +
                  (d.reason ? ` — ${d.reason}` : '')
                : t(`kyc.actions.${ev.action}`, { defaultValue: ev.action });
            return (
              <Timeline.Item
                key={`${ev.at}-${i}`}
                bullet={icon}
                color={color}
                title={title}
                data-action={ev.action}
              >
                <Text size="xs" c="dimmed">
                  {ev.actor === 'email' ? t('kyc.historyEmail') : ev.actor} · {formatDateTime(ev.at, lang, user?.timeZone)}
                </Text>
                {ev.from && ev.to && ev.from !== ev.to && (
                  <Text size="sm" mt={2}>
                    {t('kyc.historyState', { from: state(ev.from), to: state(ev.to) })}
                  </Text>
                )}
                {detail && (
                  <Text size="sm" mt={2}>
                    {detail}
                  </Text>
                )}
              </Timeline.Item>
            );
          })}
        </Timeline>
      )}
    </Paper>
  );
}
