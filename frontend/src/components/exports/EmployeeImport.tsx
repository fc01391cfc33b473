import { Alert, Badge, Box, Button, Group, List, Modal, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { Dropzone } from '@mantine/dropzone';
import { notifications } from '@mantine/notifications';
import { useState, type InputHTMLAttributes } from 'react';
import { useTranslation } from 'react-i18next';
import { api, isDesktop, type FieldError, type ImportPreview, type ImportResult, type ImportRowError } from '../../api';
import { asApiError, fieldErrorText } from '../../api/errors';
import { fileErrors, IMPORT_ACCEPT, IMPORT_MAX_MB, rowErrorText, sortRowErrors } from '../../lib/imports';
import { useSession } from '../../auth/session';
import { useApiError } from '../../hooks/useApiError';
import { useNotifySaved } from '../../hooks/useSaveFile';
import { downloadBase64, readDataURL } from '../../lib/files';
import { formatBytes, formatNumber } from '../../lib/intl';
import { ErrorAlert } from '../Alerts';
import { IconAlert, IconDownload, IconFile, IconUpload } from '../icons';

const SAMPLE_ROWS = 10;

interface EmployeeImportProps {
  opened: boolean;
  accountId: string;
  zIndex?: number;
  onClose: () => void;
  onImported: (count: number) => void;
}

// EmployeeImportModal: employees from a spreadsheet. A file is checked
// first (a preview with every refused row and why), then imported whole:
// every row or none. A refused import gives back an errors file.
export function EmployeeImportModal({ opened, accountId, zIndex, onClose, onImported }: EmployeeImportProps) {
  const { t } = useTranslation();
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      size={760}
      zIndex={zIndex}
      closeOnClickOutside={false}
      title={
        <Title order={4} fw={600} component="span">
          {t('exports.importTitle')}
        </Title>
      }
      closeButtonProps={{ 'aria-label': t('common.cancel') }}
    >
      {opened && <ImportForm accountId={accountId} onCancel={onClose} onImported={onImported} />}
    </Modal>
  );
}

interface Picked {
  name: string;
  size: number;
  data: string;
}

function ImportForm({ accountId, onCancel, onImported }: { accountId: string; onCancel: () => void; onImported: (n: number) => void }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const { setUser } = useSession();
  const notifySaved = useNotifySaved();
  const [file, setFile] = useState<Picked | null>(null);
  const [checking, setChecking] = useState(false);
  const [importing, setImporting] = useState(false);
  const [fileError, setFileError] = useState<FieldError[]>([]);
  const [preview, setPreview] = useState<ImportPreview | null>(null);
  const [refused, setRefused] = useState<ImportResult | null>(null);
  const [saving, setSaving] = useState(false);
  const failure = useApiError();

  const fail = (e: unknown) => {
    const err = asApiError(e);
    if (err.body.code === 'unauthorized') {
      setUser(null);
      return;
    }
    const { file: f, other } = fileErrors(err);
    setFileError(f);
    failure.set(other);
  };

  const pick = async (files: File[]) => {
    const f = files[0];
    if (!f || checking || importing) return;
    setPreview(null);
    setRefused(null);
    setFileError([]);
    failure.set(null);
    setFile(null);
    if (f.size > IMPORT_MAX_MB * 1024 * 1024) {
      setFileError([{ field: 'file', code: 'import_too_large', message: '', params: { maxMB: IMPORT_MAX_MB } }]);
      return;
    }
    setChecking(true);
    try {
      let data: string;
      try {
        data = await readDataURL(f);
      } catch {
        setFileError([{ field: 'file', code: 'file_read', message: '', params: { name: f.name } }]);
        return;
      }
      const picked = { name: f.name, size: f.size, data };
      setFile(picked);
      setPreview(await api.importPreview({ accountId, fileName: f.name, data }));
    } catch (e) {
      fail(e);
    } finally {
      setChecking(false);
    }
  };

  const confirm = async () => {
    if (!file || !preview || importing) return;
    setImporting(true);
    failure.set(null);
    try {
      const res = await api.importEmployees({ accountId, fileName: file.name, data: file.data });
      if ((res.errors ?? []).length > 0) {
        setRefused(res);
        setPreview(res);
        return;
      }
      notifications.show({
        color: 'teal',
        message: t('exports.imported', { count: res.valid, n: formatNumber(res.valid, lang) }),
        ...({ 'data-testid': 'emp-import-done', 'data-count': res.valid } as object),
      });
      onImported(res.valid);
    } catch (e) {
      fail(e);
    } finally {
      setImporting(false);
    }
  };

  const saveErrors = async () => {
    if (!refused?.errorsFile) return;
    if (!isDesktop()) {
      downloadBase64('import-errors.xlsx', refused.errorsFile);
      return;
    }
    setSaving(true);
    try {
      const res = await api.saveBase64File({ name: 'import-errors.xlsx', data: refused.errorsFile });
      if (!res.cancelled && res.path) notifySaved(res.path);
    } catch (e) {
      fail(e);
    } finally {
      setSaving(false);
    }
  };

  const errors = preview?.errors ?? [];
  const sample = (preview?.sample ?? []).slice(0, SAMPLE_ROWS);

  return (
    <Stack gap="md" data-testid="emp-import-modal">
      <Text size="sm" c="dimmed">
        {t('exports.importIntro')}
      </Text>
      <Box>
        <Dropzone
          onDrop={(files) => void pick(files)}
          onReject={(rejections) => void pick(rejections.map((r) => r.file))}
          loading={checking}
          disabled={importing}
          multiple={false}
          useFsAccessApi={false}
          radius="md"
          p="md"
          inputProps={{ accept: IMPORT_ACCEPT, 'data-testid': 'emp-import-file' } as InputHTMLAttributes<HTMLInputElement>}
          data-testid="emp-import-drop"
          data-invalid={fileError.length > 0 || undefined}
          aria-label={t('exports.importDrop')}
          style={fileError.length ? { borderColor: 'var(--mantine-color-error)' } : undefined}
        >
          <Group justify="center" gap="md" wrap="nowrap" mih={56} style={{ pointerEvents: 'none' }}>
            <Dropzone.Accept>
              <IconUpload size={28} />
            </Dropzone.Accept>
            <Dropzone.Reject>
              <IconAlert size={28} />
            </Dropzone.Reject>
            <Dropzone.Idle>
              <IconFile size={28} />
            </Dropzone.Idle>
            <div>
              <Text size="sm" fw={600} data-testid="emp-import-file-name">
                {checking ? t('exports.importChecking') : file ? file.name : t('exports.importDrop')}
              </Text>
              <Text size="xs" c="dimmed" mt={2}>
                {file && !checking
                  ? t('exports.importFileInfo', { size: formatBytes(file.size, lang) })
                  : t('exports.importDropHint', { maxMB: IMPORT_MAX_MB })}
              </Text>
            </div>
          </Group>
        </Dropzone>
        {fileError.length > 0 && (
          <Text size="sm" c="red" mt={6} role="alert" data-testid="emp-import-file-error" data-code={fileError[0].code}>
            {fileError.map((f) => fieldErrorText(t, f)).join(' ')}
          </Text>
        )}
      </Box>

      <ErrorAlert error={failure.error} secondsLeft={failure.secondsLeft} testid="emp-import-error" />

      {preview && (
        <Stack gap="md" data-testid="emp-import-preview">
          <SimpleGrid cols={3} spacing="sm">
            <Count label={t('exports.importRows')} value={preview.rows} testid="emp-import-rows" lang={lang} />
            <Count label={t('exports.importValid')} value={refused ? preview.rows - errors.length : preview.valid} testid="emp-import-valid" lang={lang} color="teal" />
            <Count label={t('exports.importRefused')} value={errors.length} testid="emp-import-refused" lang={lang} color={errors.length ? 'red' : undefined} />
          </SimpleGrid>

          {refused && (
            <Alert color="red" variant="light" icon={<IconAlert />} role="alert" data-testid="emp-import-failed">
              <Stack gap="xs" align="flex-start">
                <Text size="sm">{t('exports.importNothing', { count: errors.length, n: formatNumber(errors.length, lang) })}</Text>
                {refused.errorsFile && (
                  <Button
                    size="xs"
                    variant="white"
                    color="red"
                    leftSection={<IconDownload size={14} />}
                    loading={saving}
                    onClick={() => void saveErrors()}
                    data-testid="emp-import-errors-file"
                  >
                    {t('exports.errorsFile')}
                  </Button>
                )}
              </Stack>
            </Alert>
          )}

          {!refused && errors.length > 0 && (
            <Alert color="yellow" variant="light" icon={<IconAlert />} data-testid="emp-import-warning">
              {t('exports.importAllOrNone', { count: errors.length, n: formatNumber(errors.length, lang) })}
            </Alert>
          )}

          {errors.length > 0 && <RowErrors errors={errors} />}

          {sample.length > 0 && (
            <div>
              <Text size="sm" fw={600} mb={6}>
                {preview.rows > sample.length
                  ? t('exports.importSampleSome', { count: sample.length, total: formatNumber(preview.rows, lang) })
                  : t('exports.importSample')}
              </Text>
              <div className="gh-import-table">
                <Table striped verticalSpacing={6} fz="sm" stickyHeader data-testid="emp-import-sample">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>{t('exports.column.name')}</Table.Th>
                      <Table.Th>{t('exports.column.email')}</Table.Th>
                      <Table.Th>{t('exports.column.phone')}</Table.Th>
                      <Table.Th>{t('exports.column.role')}</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {sample.map((r, i) => (
                      <Table.Tr key={i}>
                        <Table.Td>{r.name || '—'}</Table.Td>
                        <Table.Td>{r.email || '—'}</Table.Td>
                        <Table.Td ff="monospace" style={{ whiteSpace: 'nowrap' }}>
                          {r.phone || '—'}
                        </Table.Td>
                        <Table.Td>{r.role ? t(`employees.roles.${r.role}`, { defaultValue: r.role }) : '—'}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </div>
            </div>
          )}
        </Stack>
      )}

      <Group justify="flex-end" gap="sm" mt="xs">
        <Button variant="default" onClick={onCancel} data-testid="emp-import-cancel">
          {refused ? t('common.close') : t('common.cancel')}
        </Button>
        {preview && !refused && (
          <Button
            onClick={() => void confirm()}
            loading={importing}
            disabled={preview.rows === 0 || checking}
            data-testid="emp-import-confirm"
          >
            {t('exports.importConfirm', { count: preview.rows, n: formatNumber(preview.rows, lang) })}
          </Button>
        )}
      </Group>
    </Stack>
  );
}

function Count({ label, value, testid, lang, color }: { label: string; value: number; testid: string; lang: string; color?: string }) {
  return (
    <Box p="sm" style={{ border: '1px solid var(--mantine-color-gray-3)', borderRadius: 'var(--mantine-radius-sm)' }}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600} style={{ letterSpacing: '0.04em' }}>
        {label}
      </Text>
      <Text size="xl" fw={700} c={color} data-testid={testid} data-value={value}>
        {formatNumber(value, lang)}
      </Text>
    </Box>
  );
}

function RowErrors({ errors }: { errors: ImportRowError[] }) {
  const { t } = useTranslation();
  return (
    <div>
      <Text size="sm" fw={600} mb={6}>
        {t('exports.importErrors')}
      </Text>
      <div className="gh-import-table">
        <Table verticalSpacing={6} fz="sm" stickyHeader data-testid="emp-import-errors">
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={90}>{t('exports.line')}</Table.Th>
              <Table.Th>{t('exports.reasons')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {errors.map((e) => (
              <Table.Tr key={e.line} data-testid={`emp-import-error-${e.line}`} data-line={e.line} data-codes={e.fields.map((f) => f.code).join(' ')}>
                <Table.Td style={{ verticalAlign: 'top' }}>
                  <Badge variant="light" color="red" size="sm">
                    {e.line}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  {e.fields.length === 1 ? (
                    rowErrorText(t, e.fields[0])
                  ) : (
                    <List size="sm" spacing={2}>
                      {sortRowErrors(e.fields).map((f, i) => (
                        <List.Item key={i}>{rowErrorText(t, f)}</List.Item>
                      ))}
                    </List>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </div>
    </div>
  );
}
