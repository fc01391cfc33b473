import { notifications } from '@mantine/notifications';
import { useCallback, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { fetchDownload, isDesktop, type SavedFile } from '../api';
import { asApiError, errorText } from '../api/errors';
import { useSession } from '../auth/session';

export interface SaveTarget {
  // desktop: the api.save* call (native save dialog, then the backend writes).
  desktop: () => Promise<SavedFile>;
  // web: the download URL (downloadURL.*), fetched with the session cookie.
  web: () => string;
}

// notifySaved: the desktop's "saved to <path>" notice.
export function useNotifySaved() {
  const { t } = useTranslation();
  return useCallback(
    (path: string) =>
      notifications.show({
        color: 'teal',
        title: t('exports.savedTitle'),
        message: t('exports.savedTo', { path }),
        ...({ 'data-testid': 'export-saved', 'data-path': path } as object),
      }),
    [t],
  );
}

// useSaveFile runs one export: on the desktop through the save dialog
// (a notice with the path when saved, nothing when the dialog was closed),
// in a browser as a download; a failure either way is a notice with the
// server's reason. busy is the key of the export under way.
export function useSaveFile() {
  const { t } = useTranslation();
  const { setUser } = useSession();
  const notifySaved = useNotifySaved();
  const [busy, setBusy] = useState<string | null>(null);

  const save = useCallback(
    async (key: string, target: SaveTarget) => {
      setBusy(key);
      try {
        if (!isDesktop()) {
          // Fetched, not linked: a refusal shows its reason here.
          await fetchDownload(target.web());
          return;
        }
        const res = await target.desktop();
        if (!res.cancelled && res.path) notifySaved(res.path);
      } catch (e) {
        const err = asApiError(e);
        if (err.body.code === 'unauthorized') {
          setUser(null);
          return;
        }
        notifications.show({
          color: 'red',
          title: t('exports.failedTitle'),
          message: errorText(t, err),
          ...({ 'data-testid': 'export-error' } as object),
        });
      } finally {
        setBusy(null);
      }
    },
    [notifySaved, setUser, t],
  );

  return { save, busy };
}
