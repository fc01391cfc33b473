import { useCallback, useEffect, useRef, useState } from 'react';
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

// A list on screen refreshes itself when sync brings changes from the
// server: it holds nothing the person typed, so a fresh copy loses nothing.
// refresh returns false when it cannot now (more pages loaded than a
// refresh would bring back): the header then offers to reload instead.
type Refresher = { current: () => boolean };
const refreshers = new Set<Refresher>();

export function useRefreshOnSync(refresh: () => boolean): void {
  const latest = useRef(refresh);
  useEffect(() => {
    latest.current = refresh;
  });
  useEffect(() => registerRefresher(latest), []);
}

// registerRefresher adds a list's refresh; the returned function removes it.
export function registerRefresher(r: Refresher): () => void {
  refreshers.add(r);
  return () => {
    refreshers.delete(r);
  };
}

// refreshOpenScreens asks the open lists to refresh themselves, and says
// whether that covered the screen (some list did, and none declined).
export function refreshOpenScreens(): boolean {
  let all = refreshers.size > 0;
  for (const r of refreshers) {
    if (!r.current()) all = false;
  }
  return all;
}
