import { useCallback, useEffect, useState } from 'react';
import { api, isDesktop, onSyncStatus, type SyncStatus } from '../api';

// A local call, so cheap: it also keeps "last synced 5 minutes ago" fresh
// and covers an event missed while the window slept.
const POLL_MS = 30_000;

// A change made on a sync screen (a conflict resolved, a connection made)
// tells the header's indicator to look again: no event comes for those.
const EVENT = 'gatehouse:sync-changed';

export function syncChanged(): void {
  if (typeof window !== 'undefined') window.dispatchEvent(new Event(EVENT));
}

// useSyncStatus: the desktop's sync status (null until known, and always
// null in a browser), from a first call, the backend's sync:status events
// and a slow poll. setStatus takes the answer of an action (SyncNow,
// SyncConnect) at once, before its event arrives.
export function useSyncStatus(): { status: SyncStatus | null; setStatus: (s: SyncStatus) => void; reload: () => Promise<void> } {
  const desktop = isDesktop();
  const [status, setStatus] = useState<SyncStatus | null>(null);
  const reload = useCallback(async () => {
    try {
      setStatus(await api.syncStatus());
    } catch {
      /* the badge keeps what it knew; a status is not worth an error message */
    }
  }, []);
  useEffect(() => {
    if (!desktop) return;
    void reload();
    const off = onSyncStatus(setStatus);
    const onChanged = () => void reload();
    window.addEventListener(EVENT, onChanged);
    const id = window.setInterval(() => void reload(), POLL_MS);
    return () => {
      off();
      window.removeEventListener(EVENT, onChanged);
      window.clearInterval(id);
    };
  }, [desktop, reload]);
  return { status, setStatus, reload };
}
