import { useCallback, useMemo } from 'react';

const NO_SECRETS: readonly never[] = [];

// useDraft keeps what a form holds in this tab's sessionStorage, so that a
// reload, or the page crashing, gives back what was typed. Fields named in
// secret (passwords) are never kept. sessionStorage belongs to the tab and
// ends with it; clear it once the form's work is done.
export function useDraft<T extends object>(key: string, secret: readonly (keyof T)[] = NO_SECRETS) {
  const storageKey = `gatehouse.draft.${key}`;
  const restore = useCallback(
    (initial: T): T => {
      try {
        const saved = JSON.parse(sessionStorage.getItem(storageKey) ?? 'null') as Partial<T> | null;
        if (!saved || typeof saved !== 'object') return initial;
        const out = { ...initial };
        for (const k of Object.keys(initial) as (keyof T)[]) {
          if (!secret.includes(k) && k in saved && typeof saved[k] === typeof initial[k]) out[k] = saved[k] as T[keyof T];
        }
        return out;
      } catch {
        return initial; // storage off or a broken entry: start afresh
      }
    },
    [storageKey, secret],
  );
  const save = useCallback(
    (values: T) => {
      try {
        const kept: Partial<T> = { ...values };
        for (const k of secret) delete kept[k];
        sessionStorage.setItem(storageKey, JSON.stringify(kept));
      } catch {
        /* a full or disabled storage only loses the draft */
      }
    },
    [storageKey, secret],
  );
  const clear = useCallback(() => {
    try {
      sessionStorage.removeItem(storageKey);
    } catch {
      /* nothing kept */
    }
  }, [storageKey]);
  return useMemo(() => ({ restore, save, clear }), [restore, save, clear]);
}
