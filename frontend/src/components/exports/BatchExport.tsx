import { Button, Group, Modal, Progress, Stack, Text, Title } from '@mantine/core';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  ApiError,
  api,
  cancelExportJob,
  exportJobFileURL,
  exportJobStatus,
  fetchDownload,
  isDesktop,
  onExportProgress,
  type ExportJob,
} from '../../api';
import { asApiError } from '../../api/errors';
import { useNotifySaved } from '../../hooks/useSaveFile';
import { formatNumber } from '../../lib/intl';
import { ErrorAlert, InfoAlert, SuccessAlert } from '../Alerts';

export type BatchPhase = 'idle' | ExportJob['state'];

export interface BatchState {
  phase: BatchPhase;
  done: number;
  total: number;
  cancelling: boolean;
  error: ApiError | null; // why it failed
  path: string; // desktop: where the ZIP went
}

const INTERNAL = new ApiError({ code: 'internal', message: 'Internal error.', key: 'errors.internal' });
const IDLE: BatchState = { phase: 'idle', done: 0, total: 0, cancelling: false, error: null, path: '' };
export const POLL_MS = 300;
const sleep = (ms: number) => new Promise((r) => window.setTimeout(r, ms));

// useBatchExport runs one batch export of invoice-detail PDFs into a ZIP.
// Desktop: the save dialog first, then progress events until the call
// returns. Web: a job polled every 300 ms, its file downloaded when done.
export function useBatchExport() {
  const [state, setState] = useState<BatchState>(IDLE);
  const run = useRef(0); // the export under way; stale loops stop
  const job = useRef(''); // web: its job id once started
  const cancelAsked = useRef(false);
  const running = useRef(false); // an export under way, for the unmount below
  const notifySaved = useNotifySaved();

  useEffect(
    () => () => {
      // Leaving the screen stops polling and the export it was showing.
      run.current++;
      if (!running.current) return;
      cancelAsked.current = true; // a job still starting is cancelled once it exists
      if (isDesktop()) void api.cancelExport().catch(() => undefined);
      else if (job.current) void cancelExportJob(job.current).catch(() => undefined);
    },
    [],
  );

  const finish = (n: number, patch: Partial<BatchState>) => {
    if (run.current !== n) return;
    running.current = false;
    setState((s) => ({ ...s, cancelling: false, ...patch }));
  };

  const startDesktop = async (n: number, accountIds: string[]) => {
    const off = onExportProgress((p) => {
      if (run.current === n) setState((s) => ({ ...s, done: p.done, total: p.total }));
    });
    try {
      const res = await api.exportInvoicesZip({ accountIds });
      if (res.cancelled) {
        // The save dialog was closed: nothing happened, nothing to say.
        if (cancelAsked.current) finish(n, { phase: 'cancelled' });
        else if (run.current === n) {
          running.current = false;
          setState(IDLE);
        }
        return;
      }
      finish(n, { phase: 'done', path: res.path });
      notifySaved(res.path);
    } catch (e) {
      const err = asApiError(e);
      const cancelled = cancelAsked.current || err.body.key === 'errors.cancelled';
      finish(n, cancelled ? { phase: 'cancelled' } : { phase: 'failed', error: err });
    } finally {
      off();
    }
  };

  const startWeb = async (n: number, accountIds: string[]) => {
    try {
      let st = await api.startExportJob({ accountIds });
      job.current = st.id;
      if (cancelAsked.current) st = await cancelExportJob(st.id);
      while (run.current === n) {
        setState((s) => ({ ...s, done: st.done, total: st.total || s.total }));
        if (st.state !== 'running') break;
        await sleep(POLL_MS);
        if (run.current !== n) return;
        st = await exportJobStatus(st.id);
      }
      if (run.current !== n) return;
      if (st.state === 'done') {
        await fetchDownload(exportJobFileURL(st.id), 'invoice-details.zip');
        if (run.current !== n) return;
        finish(n, { phase: 'done' });
      } else if (st.state === 'failed') {
        finish(n, { phase: 'failed', error: new ApiError(st.error ?? { code: 'internal', message: 'Internal error.', key: 'errors.internal' }) });
      } else {
        finish(n, { phase: 'cancelled' });
      }
    } catch (e) {
      const err = asApiError(e);
      finish(n, err.body.key === 'errors.cancelled' ? { phase: 'cancelled' } : { phase: 'failed', error: err });
    }
  };

  const start = (accountIds: string[]) => {
    const n = ++run.current;
    job.current = '';
    cancelAsked.current = false;
    running.current = true;
    setState({ ...IDLE, phase: 'running', total: accountIds.length });
    void (isDesktop() ? startDesktop(n, accountIds) : startWeb(n, accountIds));
  };

  const cancel = useCallback(async () => {
    if (cancelAsked.current) return;
    cancelAsked.current = true;
    setState((s) => ({ ...s, cancelling: true }));
    try {
      if (isDesktop()) await api.cancelExport();
      else if (job.current) await cancelExportJob(job.current);
      // else: cancelled as soon as the job exists (startWeb)
    } catch {
      /* the loop reports how it ended */
    }
  }, []);

  const reset = useCallback(() => {
    run.current++;
    running.current = false;
    setState(IDLE);
  }, []);

  return { state, start, cancel, reset };
}

interface BatchExportModalProps {
  state: BatchState;
  onCancel: () => void;
  onClose: () => void;
}

// BatchExportModal: the progress of a batch export, with Cancel while it
// runs and the outcome once it stopped.
export function BatchExportModal({ state, onCancel, onClose }: BatchExportModalProps) {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const running = state.phase === 'running';
  const pct = state.total > 0 ? Math.round((state.done / state.total) * 100) : 0;
  return (
    <Modal
      opened={state.phase !== 'idle'}
      onClose={running ? () => undefined : onClose}
      withCloseButton={!running}
      closeOnEscape={!running}
      closeOnClickOutside={false}
      size={480}
      title={
        <Title order={4} fw={600} component="span">
          {t('exports.batchTitle')}
        </Title>
      }
      closeButtonProps={{ 'aria-label': t('common.close') }}
    >
      <Stack gap="md" data-testid="export-modal">
        <Text size="sm" c="dimmed">
          {t('exports.batchIntro', { count: state.total, n: formatNumber(state.total, lang) })}
        </Text>
        <div>
          <Progress
            value={state.phase === 'done' ? 100 : pct}
            size="lg"
            radius="xl"
            striped={running}
            animated={running}
            color={state.phase === 'failed' ? 'red' : state.phase === 'cancelled' ? 'gray' : state.phase === 'done' ? 'teal' : undefined}
            aria-label={t('exports.progressLabel')}
            data-testid="export-progress"
            data-done={state.done}
            data-total={state.total}
          />
          <Text size="sm" mt={6} data-testid="export-count">
            {t('exports.progress', { done: formatNumber(state.done, lang), total: formatNumber(state.total, lang) })}
          </Text>
        </div>
        <div data-testid="export-state" data-state={state.phase}>
          {running && (
            <Text size="sm" c="dimmed">
              {state.cancelling ? t('exports.cancelling') : state.done === 0 && isDesktop() ? t('exports.choosePlace') : t('exports.making')}
            </Text>
          )}
          {state.phase === 'done' && (
            <SuccessAlert testid="export-done">
              {state.path ? t('exports.savedTo', { path: state.path }) : t('exports.batchDownloaded')}
            </SuccessAlert>
          )}
          {state.phase === 'cancelled' && <InfoAlert testid="export-cancelled">{t('exports.batchCancelled')}</InfoAlert>}
          {state.phase === 'failed' && (
            <ErrorAlert error={state.error ?? INTERNAL} testid="export-failed" />
          )}
        </div>
        <Group justify="flex-end">
          {running ? (
            <Button key="cancel" variant="default" onClick={onCancel} loading={state.cancelling} data-testid="export-cancel">
              {t('common.cancel')}
            </Button>
          ) : (
            <Button key="close" onClick={onClose} data-testid="export-close">
              {t('common.close')}
            </Button>
          )}
        </Group>
      </Stack>
    </Modal>
  );
}
