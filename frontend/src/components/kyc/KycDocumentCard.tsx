import { Alert, Badge, Box, Button, Group, Paper, Select, Stack, Text, Textarea, type ComboboxData } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { KYCDocument, KYCFile } from '../../api';
import { useSession } from '../../auth/session';
import { DOC_STATUS_COLORS, type Choice } from '../../kyc/catalogue';
import { formatDateTime } from '../../lib/intl';
import { IconAlert, IconCheck, IconFile, IconTrash, IconX } from '../icons';
import { FileTile, LargeFile } from './KycFiles';

export interface ReviewControls {
  choice: Choice | undefined;
  reason: string;
  error: string | null;
  busy: boolean;
  onChoice: (c: Choice | undefined) => void;
  onReason: (r: string) => void;
}

export interface ClassifyControls {
  data: ComboboxData;
  error: string | null;
  busy: boolean;
  disabled: boolean;
  onClassify: (kind: string) => void;
}

interface Props {
  caseId: string;
  doc: KYCDocument;
  title: string;
  // large: files shown big enough to read (the reviewer's view).
  large: boolean;
  onOpen: (f: KYCFile) => void;
  onRemove?: () => void;
  removing?: boolean;
  review?: ReviewControls;
  classify?: ClassifyControls;
}

// KycDocumentCard: one uploaded document: its files, status and, for a
// rejected one, the reviewer's reason; for a reviewer, the decision.
export function KycDocumentCard({ caseId, doc, title, large, onOpen, onRemove, removing, review, classify }: Props) {
  const { t, i18n } = useTranslation();
  const { user } = useSession();
  const lang = i18n.resolvedLanguage ?? 'en';
  const rejected = doc.status === 'rejected';
  return (
    <Paper
      withBorder
      radius="md"
      p="md"
      data-testid={`kyc-doc-${doc.id}`}
      data-kind={doc.kind}
      data-status={doc.status}
      data-source={doc.source}
      style={rejected ? { borderColor: 'var(--mantine-color-red-3)' } : undefined}
    >
      <Group justify="space-between" align="flex-start" wrap="nowrap" gap="sm">
        <Box style={{ minWidth: 0 }}>
          <Group gap="xs" wrap="wrap">
            <IconFile size={16} />
            <Text fw={600} size="sm">
              {title}
            </Text>
            {doc.kind !== '' && (
              <Badge
                size="sm"
                variant="light"
                color={DOC_STATUS_COLORS[doc.status]}
                data-testid={`kyc-doc-status-${doc.id}`}
                data-status={doc.status}
              >
                {t(`kyc.docStatus.${doc.status}`)}
              </Badge>
            )}
            {doc.source === 'email' && (
              <Badge size="sm" variant="outline" color="gray">
                {t('kyc.byEmail')}
              </Badge>
            )}
          </Group>
          <Text size="xs" c="dimmed" mt={2}>
            {t('kyc.uploaded', { date: formatDateTime(doc.createdAt, lang, user?.timeZone) })}
          </Text>
        </Box>
        {onRemove && (
          <Button
            variant="subtle"
            color="red"
            size="compact-sm"
            leftSection={<IconTrash size={14} />}
            onClick={onRemove}
            loading={removing}
            aria-label={t('kyc.removeAria', { name: title })}
            data-testid={`kyc-remove-${doc.id}`}
            style={{ flexShrink: 0 }}
          >
            {t('kyc.remove')}
          </Button>
        )}
      </Group>

      {rejected && doc.reason && (
        <Alert
          color="red"
          variant="light"
          icon={<IconAlert />}
          mt="sm"
          title={t('kyc.docStatus.rejected')}
          data-testid={`kyc-doc-reason-${doc.id}`}
        >
          <Text size="sm" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
            {doc.reason}
          </Text>
        </Alert>
      )}

      {large ? (
        <Stack gap="sm" mt="sm">
          {doc.files.map((f, i) => (
            <LargeFile key={`${f.sha256}-${i}`} caseId={caseId} file={f} testid={`kyc-view-${doc.id}-${i}`} onOpen={() => onOpen(f)} />
          ))}
        </Stack>
      ) : (
        <Group gap="sm" mt="sm" align="flex-start">
          {doc.files.map((f, i) => (
            <FileTile key={`${f.sha256}-${i}`} caseId={caseId} file={f} testid={`kyc-thumb-${doc.id}-${i}`} onOpen={() => onOpen(f)} />
          ))}
        </Group>
      )}

      {classify && (
        <Select
          mt="sm"
          maw={420}
          label={t('kyc.classify')}
          placeholder={t('kyc.classifyPlaceholder')}
          data={classify.data}
          value={null}
          onChange={(v) => v && classify.onClassify(v)}
          disabled={classify.disabled || classify.busy}
          error={classify.error}
          searchable
          comboboxProps={{ withinPortal: true }}
          data-testid={`kyc-classify-${doc.id}`}
        />
      )}

      {review && (
        <Box mt="md" pt="sm" style={{ borderTop: '1px solid var(--mantine-color-gray-2)' }}>
          <Group gap="xs" align="flex-start">
            <Button
              variant={review.choice === 'approve' ? 'filled' : 'default'}
              color="teal"
              leftSection={<IconCheck size={16} />}
              onClick={() => review.onChoice(review.choice === 'approve' ? undefined : 'approve')}
              disabled={review.busy}
              aria-pressed={review.choice === 'approve'}
              data-testid={`kyc-approve-${doc.id}`}
            >
              {t('kyc.review.approve')}
            </Button>
            <Button
              variant={review.choice === 'reject' ? 'filled' : 'default'}
              color="red"
              leftSection={<IconX size={16} />}
              onClick={() => review.onChoice(review.choice === 'reject' ? undefined : 'reject')}
              disabled={review.busy}
              aria-pressed={review.choice === 'reject'}
              data-testid={`kyc-reject-${doc.id}`}
            >
              {t('kyc.review.reject')}
            </Button>
          </Group>
          <Textarea
            mt="sm"
            label={t('kyc.review.reason')}
            description={t('kyc.review.reasonHint')}
            autosize
            minRows={2}
            maxRows={6}
            maxLength={500}
            withAsterisk={review.choice === 'reject'}
            value={review.reason}
            onChange={(e) => review.onReason(e.currentTarget.value)}
            error={review.error}
            disabled={review.busy}
            data-testid={`kyc-reason-${doc.id}`}
          />
        </Box>
      )}
    </Paper>
  );
}
