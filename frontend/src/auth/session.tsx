import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, type ClientConfig, type User } from '../api';
import { asApiError } from '../api/errors';
import { BootError, BootLoading } from '../components/Boot';

export interface SessionValue {
  config: ClientConfig;
  user: User | null;
  setUser: (u: User | null) => void;
  setConfig: (c: ClientConfig) => void;
  // refresh reloads the signed-in user (after a verification, say).
  refresh: () => Promise<User | null>;
  signOut: () => Promise<void>;
}

const SessionContext = createContext<SessionValue | null>(null);

export function useSession(): SessionValue {
  const v = useContext(SessionContext);
  if (!v) throw new Error('useSession outside SessionProvider');
  return v;
}

async function loadMe(): Promise<User | null> {
  try {
    return (await api.me()).user ?? null;
  } catch (e) {
    if (asApiError(e).body.code === 'unauthorized') return null;
    throw e;
  }
}

type Boot = { status: 'loading' } | { status: 'error'; error: unknown } | { status: 'ready' };

// SessionProvider asks the backend for its config and the signed-in user
// before any screen renders, so the route guard decides with facts.
export function SessionProvider({ children }: { children: ReactNode }) {
  const [boot, setBoot] = useState<Boot>({ status: 'loading' });
  const [config, setConfig] = useState<ClientConfig | null>(null);
  const [user, setUser] = useState<User | null>(null);

  const load = useCallback(async () => {
    setBoot({ status: 'loading' });
    try {
      const [cfg, me] = await Promise.all([api.config(), loadMe()]);
      setConfig(cfg);
      setUser(me);
      setBoot({ status: 'ready' });
    } catch (error) {
      setBoot({ status: 'error', error });
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  const refresh = useCallback(async () => {
    const me = await loadMe();
    setUser(me);
    return me;
  }, []);

  const signOut = useCallback(async () => {
    try {
      await api.signOut();
    } finally {
      setUser(null);
    }
  }, []);

  const value = useMemo<SessionValue | null>(
    () => (config ? { config, user, setUser, setConfig, refresh, signOut } : null),
    [config, user, refresh, signOut],
  );

  if (boot.status === 'loading' && !value) return <BootLoading />;
  if (boot.status === 'error') return <BootError error={boot.error} onRetry={load} />;
  if (!value) return <BootLoading />;
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}
