import { useCallback, useEffect, useState } from 'react';
import { api } from '../api';

// A KYC change made on this screen (a submit, a decision) tells whoever
// shows a KYC summary, such as the header's queue count, to look again.
const EVENT = 'gatehouse:kyc-changed';

export function kycChanged(): void {
  if (typeof window !== 'undefined') window.dispatchEvent(new Event(EVENT));
}

export function onKycChanged(cb: () => void): () => void {
  window.addEventListener(EVENT, cb);
  return () => window.removeEventListener(EVENT, cb);
}

const POLL_MS = 60_000;

// useKycQueueCount: how many cases wait for review (null until known, or
// when it cannot be known); refreshed on KYC changes and every minute.
export function useKycQueueCount(enabled: boolean): number | null {
  const [count, setCount] = useState<number | null>(null);
  const load = useCallback(async () => {
    try {
      const res = await api.kycQueue({ entityType: '', state: '' });
      setCount(res?.items?.length ?? 0);
    } catch {
      setCount(null); // a badge is not worth an error message
    }
  }, []);
  useEffect(() => {
    if (!enabled) return;
    void load();
    const off = onKycChanged(() => void load());
    const id = window.setInterval(() => void load(), POLL_MS);
    return () => {
      off();
      window.clearInterval(id);
    };
  }, [enabled, load]);
  return enabled ? count : null;
}
