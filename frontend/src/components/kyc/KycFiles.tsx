import { Anchor, Box, Center, Group, Modal, Paper, Stack, Text, Title, UnstyledButton } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { isDesktop, kycFileURL, type KYCFile } from '../../api';
import { formatBytes } from '../../lib/intl';
import { IconExternal, IconFile } from '../icons';

// Images a browser (and WebKitGTK) can draw; HEIC is stored but not shown.
export const isShownImage = (f: KYCFile) => f.type === 'image/jpeg' || f.type === 'image/png';
export const isPDF = (f: KYCFile) => f.type === 'application/pdf';

export function useFileLabel() {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  return (f: KYCFile) => `${formatBytes(f.size, lang)} · ${t(`kyc.fileTypes.${f.type}`, { defaultValue: f.type })}`;
}

interface TileProps {
  caseId: string;
  file: KYCFile;
  testid: string;
  onOpen: () => void;
}

// FileTile: a small preview (the image itself, or a document icon) with
// the file's name, size and type; a click opens the large preview.
export function FileTile({ caseId, file, testid, onOpen }: TileProps) {
  const { t } = useTranslation();
  const label = useFileLabel();
  return (
    <UnstyledButton
      onClick={onOpen}
      className="gh-file-tile"
      aria-label={t('kyc.preview', { name: file.name })}
      data-testid={testid}
      data-sha256={file.sha256}
      data-type={file.type}
    >
      <Box className="gh-file-thumb">
        {isShownImage(file) ? (
          <img src={kycFileURL(caseId, file.sha256)} alt={file.name} loading="lazy" />
        ) : (
          <Center h="100%">
            <Stack gap={2} align="center">
              <IconFile size={34} />
              <Text size="xs" fw={700} c={isPDF(file) ? 'red.7' : 'dimmed'}>
                {t(`kyc.fileTypes.${file.type}`, { defaultValue: file.type })}
              </Text>
            </Stack>
          </Center>
        )}
      </Box>
      <Box px={8} py={6}>
        <Text size="xs" fw={500} truncate title={file.name}>
          {file.name}
        </Text>
        <Text size="xs" c="dimmed" truncate>
          {label(file)}
        </Text>
      </Box>
    </UnstyledButton>
  );
}

// FileView shows a file large enough to read: an image fits the width, a
// PDF opens in a frame, anything else offers a link.
export function FileView({ caseId, file, height }: { caseId: string; file: KYCFile; height: number | string }) {
  const { t } = useTranslation();
  const url = kycFileURL(caseId, file.sha256);
  if (isShownImage(file)) {
    return (
      <Box className="gh-file-view" ta="center">
        <img src={url} alt={file.name} style={{ maxWidth: '100%', maxHeight: height, objectFit: 'contain', display: 'inline-block' }} />
      </Box>
    );
  }
  if (isPDF(file)) {
    return <iframe className="gh-file-view" src={url} title={file.name} style={{ width: '100%', height, border: 0, display: 'block' }} />;
  }
  return (
    <Center className="gh-file-view" h={160}>
      <Text size="sm" c="dimmed">
        {t('kyc.noPreview')}
      </Text>
    </Center>
  );
}

// OpenLink opens the file in a new tab, in a browser only: the desktop
// window has no tabs, and its preview is the frame.
export function OpenLink({ caseId, file, testid }: { caseId: string; file: KYCFile; testid?: string }) {
  const { t } = useTranslation();
  if (isDesktop()) return null;
  return (
    <Anchor href={kycFileURL(caseId, file.sha256)} target="_blank" rel="noopener noreferrer" size="sm" data-testid={testid}>
      <Group gap={4} wrap="nowrap">
        <IconExternal size={14} />
        {t('kyc.openNewTab')}
      </Group>
    </Anchor>
  );
}

// LargeFile: a reviewer's view of one file, name and link above it.
export function LargeFile({ caseId, file, testid }: { caseId: string; file: KYCFile; testid: string }) {
  const label = useFileLabel();
  return (
    <Paper withBorder radius="sm" p={0} style={{ overflow: 'hidden' }} data-testid={testid} data-sha256={file.sha256}>
      <Group justify="space-between" px="sm" py={6} bg="gray.0" wrap="nowrap" gap="sm">
        <Text size="xs" fw={500} truncate title={file.name}>
          {file.name} <Text span size="xs" c="dimmed">· {label(file)}</Text>
        </Text>
        <OpenLink caseId={caseId} file={file} />
      </Group>
      <FileView caseId={caseId} file={file} height={620} />
    </Paper>
  );
}

interface PreviewProps {
  caseId: string;
  file: KYCFile | null;
  onClose: () => void;
}

// PreviewModal: one file, as large as the window allows.
export function PreviewModal({ caseId, file, onClose }: PreviewProps) {
  const { t } = useTranslation();
  const label = useFileLabel();
  return (
    <Modal
      opened={file !== null}
      onClose={onClose}
      size="min(1100px, 95vw)"
      title={
        file && (
          <Stack gap={0}>
            <Title order={4} fw={600} component="span">
              {file.name}
            </Title>
            <Text size="xs" c="dimmed">
              {label(file)}
            </Text>
          </Stack>
        )
      }
      closeButtonProps={{ 'aria-label': t('common.cancel') }}
      data-testid="kyc-preview"
    >
      {file && (
        <Stack gap="sm">
          <FileView caseId={caseId} file={file} height="72vh" />
          <Group justify="flex-end">
            <OpenLink caseId={caseId} file={file} testid="kyc-preview-open" />
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
