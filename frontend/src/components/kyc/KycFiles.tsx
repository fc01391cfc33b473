import { Anchor, Box, Center, Group, Loader, Modal, Paper, Stack, Text, Title, UnstyledButton } from '@mantine/core';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { isDesktop, kycFileURL, type KYCFile } from '../../api';
import { renderFirstPage } from '../../kyc/pdf';
import { formatBytes } from '../../lib/intl';
import { IconExternal, IconFile } from '../icons';

// Images a browser (and WebKitGTK) can draw; HEIC is stored but not shown.
export const isShownImage = (f: KYCFile) => f.type === 'image/jpeg' || f.type === 'image/png';
export const isPDF = (f: KYCFile) => f.type === 'application/pdf';

// pageStyle: a sheet of paper on the grey of the tile.
const pageStyle = { display: 'block', background: '#fff', boxShadow: '0 1px 3px rgba(0, 0, 0, 0.25)' };

// PdfPage draws the first page of a PDF into a canvas fitted to width x
// height; while it loads a spinner stands in, and if PDF.js cannot read
// the file, fallback does. data-rendered tells tests the page is drawn.
function PdfPage({ url, width, height, fallback }: { url: string; width: number; height: number; fallback: ReactNode }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [state, setState] = useState<'loading' | 'done' | 'failed'>('loading');
  useEffect(() => {
    let cancelled = false;
    setState('loading');
    if (!canvas.current) return;
    renderFirstPage(url, canvas.current, width, height, () => cancelled).then(
      () => !cancelled && setState('done'),
      () => !cancelled && setState('failed'),
    );
    return () => {
      cancelled = true;
    };
  }, [url, width, height]);
  return (
    <Center h="100%" pos="relative" data-pdf-page={state}>
      {state === 'loading' && <Loader size="sm" pos="absolute" />}
      {state === 'failed' && fallback}
      <canvas ref={canvas} style={pageStyle} data-rendered={state === 'done'} hidden={state === 'failed'} />
    </Center>
  );
}

// TypeCard: what stands where a file cannot be drawn: an icon and its type.
function TypeCard({ file }: { file: KYCFile }) {
  const { t } = useTranslation();
  return (
    <Center h="100%">
      <Stack gap={2} align="center">
        <IconFile size={34} />
        <Text size="xs" fw={700} c={isPDF(file) ? 'red.7' : 'dimmed'}>
          {t(`kyc.fileTypes.${file.type}`, { defaultValue: file.type })}
        </Text>
      </Stack>
    </Center>
  );
}

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
        ) : isPDF(file) ? (
          <PdfPage url={kycFileURL(caseId, file.sha256)} width={140} height={96} fallback={<TypeCard file={file} />} />
        ) : (
          <TypeCard file={file} />
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

// FileCard stands for a file nothing here can draw (a HEIC photo): its
// name and type, why there is no preview, and a link to the file itself.
function FileCard({ caseId, file }: { caseId: string; file: KYCFile }) {
  const { t } = useTranslation();
  const label = useFileLabel();
  return (
    <Center className="gh-file-view" mih={160} p="lg" data-testid="kyc-file-card" data-type={file.type}>
      <Stack gap={6} align="center" ta="center">
        <IconFile size={40} />
        <Text size="sm" fw={600}>
          {file.name}
        </Text>
        <Text size="xs" c="dimmed">
          {label(file)}
        </Text>
        <Text size="sm" c="dimmed" maw={420}>
          {t(file.type === 'image/heic' ? 'kyc.heicNoPreview' : 'kyc.noPreview')}
        </Text>
        <Anchor href={kycFileURL(caseId, file.sha256)} download={file.name} size="sm" data-testid="kyc-file-download">
          {t('kyc.download')}
        </Anchor>
      </Stack>
    </Center>
  );
}

// FileView shows a file large enough to read: an image fits the width, a
// PDF opens in a frame, anything else is a card with a link.
export function FileView({ caseId, file, height }: { caseId: string; file: KYCFile; height: number | string }) {
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
  return <FileCard caseId={caseId} file={file} />;
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

// LargeFile: a reviewer's view of one file, name and link above it. A
// PDF shows its first page; a click on it opens the whole document.
export function LargeFile({ caseId, file, testid, onOpen }: { caseId: string; file: KYCFile; testid: string; onOpen: () => void }) {
  const { t } = useTranslation();
  const label = useFileLabel();
  return (
    <Paper withBorder radius="sm" p={0} style={{ overflow: 'hidden' }} data-testid={testid} data-sha256={file.sha256}>
      <Group justify="space-between" px="sm" py={6} bg="gray.0" wrap="nowrap" gap="sm">
        <Text size="xs" fw={500} truncate title={file.name}>
          {file.name} <Text span size="xs" c="dimmed">· {label(file)}</Text>
        </Text>
        <OpenLink caseId={caseId} file={file} />
      </Group>
      {isPDF(file) ? (
        <UnstyledButton
          onClick={onOpen}
          className="gh-file-view"
          w="100%"
          h={520}
          aria-label={t('kyc.preview', { name: file.name })}
          data-testid={`${testid}-page`}
        >
          <PdfPage url={kycFileURL(caseId, file.sha256)} width={720} height={500} fallback={<TypeCard file={file} />} />
        </UnstyledButton>
      ) : (
        <FileView caseId={caseId} file={file} height={620} />
      )}
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
