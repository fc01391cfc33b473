import { Alert, Button, Group, List, Stack, Text } from '@mantine/core';
import { Dropzone } from '@mantine/dropzone';
import { useState, type InputHTMLAttributes } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError, isDesktop, type FieldError, type KYCCase } from '../../api';
import { asApiError, errorText, fieldErrorText } from '../../api/errors';
import { useSession } from '../../auth/session';
import { ACCEPT, checkUploads, MAX_FILE_MB, MAX_FILES } from '../../kyc/catalogue';
import { IconAlert, IconFile, IconUpload } from '../icons';

function readDataURL(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result));
    r.onerror = () => reject(r.error ?? new Error('read failed'));
    r.readAsDataURL(file);
  });
}

interface UploadProps {
  accountId: string;
  requirementId: string;
  kind: string;
  // replace: the requirement has a document already; an upload replaces it.
  replace?: boolean;
  disabled?: boolean;
  onCase: (c: KYCCase) => void;
}

// KycUpload: where files for one requirement go: dropped on the area, picked
// with the browser's dialog by a click on it, or (desktop) picked with the
// native dialog. The backend checks each file by its content; its reasons
// show under the area.
export function KycUpload({ accountId, requirementId, kind, replace, disabled, onCase }: UploadProps) {
  const { t } = useTranslation();
  const { setUser } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | FieldError[] | null>(null);

  const fail = (e: unknown) => {
    const err = asApiError(e);
    if (err.body.code === 'unauthorized') {
      setUser(null);
      return;
    }
    setError(err);
  };

  const upload = async (files: File[]) => {
    if (busy || disabled || files.length === 0) return;
    setError(null);
    const local = checkUploads(files);
    if (local.length) {
      setError(local);
      return;
    }
    setBusy(true);
    try {
      const payload: { name: string; data: string }[] = [];
      for (const f of files) {
        try {
          payload.push({ name: f.name, data: await readDataURL(f) });
        } catch {
          setError([{ field: 'files', code: 'file_read', message: `${f.name} could not be read.`, params: { name: f.name } }]);
          return;
        }
      }
      onCase(await api.kycUpload({ accountId, kind, files: payload }));
    } catch (e) {
      fail(e);
    } finally {
      setBusy(false);
    }
  };

  const pick = async () => {
    if (busy || disabled) return;
    setError(null);
    setBusy(true);
    try {
      onCase(await api.kycPickFiles({ accountId, kind }));
    } catch (e) {
      fail(e);
    } finally {
      setBusy(false);
    }
  };

  // Every reason the backend gave (one per refused file), else the one
  // line; content types read as PDF or PNG rather than application/pdf.
  const typeName = (v: unknown) => (typeof v === 'string' && v.includes('/') ? t(`kyc.fileTypes.${v}`, { defaultValue: v }) : v);
  const say = (f: FieldError) =>
    fieldErrorText(t, f.params ? { ...f, params: { ...f.params, claimed: typeName(f.params.claimed), actual: typeName(f.params.actual) } as FieldError['params'] } : f);
  let messages: string[] = [];
  if (Array.isArray(error)) messages = error.map(say);
  else if (error) {
    const fields = error.body.fields ?? [];
    messages = fields.length ? fields.map(say) : [errorText(t, error)];
  }

  return (
    <Stack gap="xs">
      <Dropzone
        onDrop={(files) => void upload(files)}
        onReject={(rejections) => void upload(rejections.map((r) => r.file))}
        loading={busy}
        disabled={disabled}
        multiple
        useFsAccessApi={false}
        radius="md"
        p="md"
        inputProps={{ accept: ACCEPT, 'data-testid': `kyc-file-${requirementId}` } as InputHTMLAttributes<HTMLInputElement>}
        data-testid={`kyc-drop-${requirementId}`}
        data-kind={kind}
        aria-label={t('kyc.dropTitle')}
      >
        <Group justify="center" gap="md" wrap="nowrap" mih={64} style={{ pointerEvents: 'none' }}>
          <Dropzone.Accept>
            <IconUpload size={32} />
          </Dropzone.Accept>
          <Dropzone.Reject>
            <IconAlert size={32} />
          </Dropzone.Reject>
          <Dropzone.Idle>
            <IconFile size={32} />
          </Dropzone.Idle>
          <div>
            <Text size="sm" fw={600}>
              {busy ? t('kyc.uploading') : replace ? t('kyc.dropReplace') : t('kyc.dropTitle')}
            </Text>
            <Text size="xs" c="dimmed" mt={2}>
              {t('kyc.dropHint', { max: MAX_FILES, maxMB: MAX_FILE_MB })}
            </Text>
          </div>
        </Group>
      </Dropzone>
      {isDesktop() && (
        <Group>
          <Button
            variant="default"
            size="sm"
            leftSection={<IconUpload size={16} />}
            onClick={() => void pick()}
            loading={busy}
            disabled={disabled}
            data-testid={`kyc-pick-${requirementId}`}
          >
            {t('kyc.pick')}
          </Button>
        </Group>
      )}
      {messages.length > 0 && (
        <Alert
          color="red"
          variant="light"
          icon={<IconAlert />}
          role="alert"
          data-testid="kyc-upload-error"
          data-requirement={requirementId}
          data-code={Array.isArray(error) ? error[0]?.code : error?.body.fields?.[0]?.code ?? error?.body.code}
        >
          {messages.length === 1 ? (
            messages[0]
          ) : (
            <List size="sm" spacing={2}>
              {messages.map((m, i) => (
                <List.Item key={i}>{m}</List.Item>
              ))}
            </List>
          )}
        </Alert>
      )}
    </Stack>
  );
}
