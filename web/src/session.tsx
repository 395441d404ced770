import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { api, setCsrfToken, setUnauthorizedHandler } from './api.js';
import type { Role, SessionInfo, SessionUser } from './types.js';

interface SessionState {
  user: SessionUser | null;
  loading: boolean;
  signIn(email: string, password: string): Promise<void>;
  signOut(): Promise<void>;
}

const SessionContext = createContext<SessionState | null>(null);

/** Holds who is signed in; the session itself lives in an HttpOnly cookie and in PostgreSQL, never in page storage. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<SessionUser | null>(null);
  const [loading, setLoading] = useState(true);
  const queryClient = useQueryClient();

  const forget = useCallback(() => {
    setCsrfToken(null);
    setUser(null);
    queryClient.clear();
  }, [queryClient]);

  useEffect(() => {
    setUnauthorizedHandler(forget);
    api<SessionInfo>('GET', '/api/v1/session', undefined, { silent401: true })
      .then((s) => {
        setCsrfToken(s.csrf_token);
        setUser(s.user);
      })
      .catch(() => forget())
      .finally(() => setLoading(false));
  }, [forget]);

  const signIn = useCallback(async (email: string, password: string) => {
    const s = await api<SessionInfo>('POST', '/api/v1/session', { email, password }, { silent401: true });
    setCsrfToken(s.csrf_token);
    setUser(s.user);
  }, []);

  const signOut = useCallback(async () => {
    try {
      await api('DELETE', '/api/v1/session', undefined, { silent401: true });
    } finally {
      forget();
    }
  }, [forget]);

  const value = useMemo(() => ({ user, loading, signIn, signOut }), [user, loading, signIn, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}

/** What each role may do in the dashboard; mirrors the API's route roles (the API enforces them regardless). */
export const can = {
  seeHolds: (r: Role) => r === 'admin' || r === 'ops',
  releaseHolds: (r: Role) => r === 'admin' || r === 'ops',
  cancelOrders: (r: Role) => r === 'admin' || r === 'ops',
  seeCustomer: (r: Role) => r === 'admin' || r === 'ops' || r === 'integration',
  seeKpis: (r: Role) => r !== 'integration',
  // Floor and dispatch screens follow the API's route roles: pick and receive are the picker's, pack the packer's.
  planWaves: (r: Role) => r === 'admin' || r === 'ops',
  pick: (r: Role) => r === 'admin' || r === 'ops' || r === 'picker',
  receive: (r: Role) => r === 'admin' || r === 'ops' || r === 'picker',
  pack: (r: Role) => r === 'admin' || r === 'ops' || r === 'packer',
  ship: (r: Role) => r === 'admin' || r === 'ops' || r === 'packer',
  manageReturns: (r: Role) => r === 'admin' || r === 'ops',
  // Inventory: counts and transfers are opened, posted, shipped and cancelled by staff; counting a bin and receiving a
  // transfer are floor work (the picker's too).
  manageStock: (r: Role) => r === 'admin' || r === 'ops',
  floorStock: (r: Role) => r === 'admin' || r === 'ops' || r === 'picker',
  // Settings: ops reads channels, routing, warehouses and carriers (and may simulate routing, add listings and bins);
  // changing them, webhooks, API keys and users are the admin's.
  seeSettings: (r: Role) => r === 'admin' || r === 'ops',
  manageSettings: (r: Role) => r === 'admin',
};
