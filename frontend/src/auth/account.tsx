import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { api, type Account, type MyAccount } from '../api';
import { asApiError } from '../api/errors';
import { needsAccount } from './routes';
import { useSession } from './session';

export type AccountStatus = 'idle' | 'loading' | 'ready' | 'error';

export interface AccountValue {
  // status of the signed-in customer's account lookup; 'idle' for staff.
  status: AccountStatus;
  error: unknown;
  mine: MyAccount | null;
  reload: () => Promise<void>;
  // setAccount records an account the backend just returned (after a save).
  setAccount: (a: Account) => void;
  // The company information window of the customer's own account.
  companyOpen: boolean;
  openCompany: () => void;
  closeCompany: () => void;
  // autoOpenCompany opens the window once per sign-in while the profile is
  // incomplete; closing it keeps it closed until the next sign-in.
  autoOpenCompany: () => void;
}

const AccountContext = createContext<AccountValue | null>(null);

export function useAccount(): AccountValue {
  const v = useContext(AccountContext);
  if (!v) throw new Error('useAccount outside AccountProvider');
  return v;
}

// The "already shown this sign-in" mark lives in sessionStorage, so a reload
// does not bring the window back, while a new sign-in (or a new app start)
// does. Memory stands in when storage is unavailable.
const SHOWN_KEY = 'gatehouse.companyShown';
let shownInMemory: string | null = null;

function shownFor(): string | null {
  try {
    return globalThis.sessionStorage?.getItem(SHOWN_KEY) ?? shownInMemory;
  } catch {
    return shownInMemory;
  }
}

function setShown(userId: string | null) {
  shownInMemory = userId;
  try {
    if (userId) globalThis.sessionStorage?.setItem(SHOWN_KEY, userId);
    else globalThis.sessionStorage?.removeItem(SHOWN_KEY);
  } catch {
    /* memory is enough */
  }
}

interface State {
  key: string | null; // whose account this is (user id)
  status: AccountStatus;
  error: unknown;
  mine: MyAccount | null;
}

// AccountProvider looks up the signed-in customer's account once they are
// verified, so the route guard can send them to the account details form
// before anything else.
export function AccountProvider({ children }: { children: ReactNode }) {
  const { user, setUser } = useSession();
  const key = needsAccount(user) ? user!.id : null;
  const [state, setState] = useState<State>({ key: null, status: 'idle', error: null, mine: null });
  const [companyOpen, setCompanyOpen] = useState(false);
  const seq = useRef(0);

  const load = useCallback(
    async (forKey: string) => {
      const n = ++seq.current;
      // A reload of an account already shown stays 'ready', so the screen
      // does not blink to a spinner.
      setState((s) =>
        s.key === forKey && s.status === 'ready' ? s : { key: forKey, status: 'loading', error: null, mine: null },
      );
      try {
        const mine = await api.myAccount();
        if (seq.current !== n) return;
        setState({ key: forKey, status: 'ready', error: null, mine: { account: mine?.account ?? null, role: mine?.role ?? '' } });
      } catch (error) {
        if (seq.current !== n) return;
        if (asApiError(error).body.code === 'unauthorized') {
          setUser(null);
          return;
        }
        setState((s) => (s.key === forKey && s.status === 'ready' ? s : { key: forKey, status: 'error', error, mine: null }));
      }
    },
    [setUser],
  );

  useEffect(() => {
    if (key) {
      void load(key);
    } else {
      seq.current++;
      setState({ key: null, status: 'idle', error: null, mine: null });
      setCompanyOpen(false);
    }
  }, [key, load]);

  // Signing out ends the "shown" mark, so the next sign-in opens the window.
  useEffect(() => {
    if (!user) setShown(null);
  }, [user]);

  const reload = useCallback(async () => {
    if (key) await load(key);
  }, [key, load]);

  const setAccount = useCallback(
    (a: Account) =>
      setState((s) => (s.key === key ? { ...s, status: 'ready', mine: { account: a, role: s.mine?.role ?? '' } } : s)),
    [key],
  );

  const current = state.key === key ? state : { key, status: key ? ('loading' as const) : ('idle' as const), error: null, mine: null };

  const autoOpenCompany = useCallback(() => {
    const account = current.mine?.account;
    if (!user || !account || account.complete) return;
    if (shownFor() === user.id) return;
    setShown(user.id);
    setCompanyOpen(true);
  }, [user, current.mine?.account]);

  const value = useMemo<AccountValue>(
    () => ({
      status: current.status,
      error: current.error,
      mine: current.mine,
      reload,
      setAccount,
      companyOpen,
      openCompany: () => setCompanyOpen(true),
      closeCompany: () => setCompanyOpen(false),
      autoOpenCompany,
    }),
    [current.status, current.error, current.mine, reload, setAccount, companyOpen, autoOpenCompany],
  );

  return <AccountContext.Provider value={value}>{children}</AccountContext.Provider>;
}
