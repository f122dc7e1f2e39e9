import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { Capability } from '../../common/roles.js';
import { authApi, type LoginInput, type Me } from '../modules/auth/api.js';
import { ApiError, onSessionLost } from './http.js';

export type SessionStatus = 'loading' | 'signed-in' | 'signed-out';

interface Session {
  status: SessionStatus;
  me: Me | null;
  /** True after a request found the session expired; the sign-in page says so. */
  expired: boolean;
  /** Whether the user holds the capability (the server enforces it too). */
  can(cap: Capability): boolean;
  /** Whether the user holds any of the capabilities. */
  canAny(caps: readonly Capability[]): boolean;
  login(input: LoginInput): Promise<Me>;
  logout(): Promise<void>;
  /** Re-reads /api/auth/me. */
  refresh(): Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

/**
 * Whether this browser's last session ended by expiring rather than by signing out. The server
 * answers SESSION_EXPIRED only while the cookie is there, and clears the cookie on that answer, so
 * a reload (or another tab) afterwards gets a plain UNAUTHENTICATED: the browser remembers the
 * expiry itself until the next sign-in or sign-out. A flag, no personal data.
 */
const EXPIRED_KEY = 'bulwark.session.expired';

function rememberExpired(on: boolean): void {
  try {
    if (on) localStorage.setItem(EXPIRED_KEY, '1');
    else localStorage.removeItem(EXPIRED_KEY);
  } catch {
    // Storage refused (private mode, quota): the message then shows only in this page's life.
  }
}

function expiredBefore(): boolean {
  try {
    return localStorage.getItem(EXPIRED_KEY) === '1';
  } catch {
    return false;
  }
}

/**
 * Knows who is signed in. On start it asks the server (a 401 there just means "signed out"); any
 * later request that finds the session gone flips it to signed-out with `expired`, and the route
 * guard then shows the sign-in page with "登录已过期，请重新登录".
 */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [status, setStatus] = useState<SessionStatus>('loading');
  const [me, setMe] = useState<Me | null>(null);
  const [expired, setExpired] = useState(false);

  useEffect(() => {
    onSessionLost(() => {
      setMe(null);
      setStatus('signed-out');
      setExpired(true);
      rememberExpired(true);
    });
    return () => onSessionLost(null);
  }, []);

  useEffect(() => {
    let live = true;
    authApi
      .me(true)
      .then((m) => {
        if (!live) return;
        setMe(m);
        setStatus('signed-in');
        rememberExpired(false);
      })
      .catch((err) => {
        if (!live) return;
        setMe(null);
        setStatus('signed-out');
        // A cookie the server no longer honours is an expired session, not a first visit; so is no
        // cookie at all after an expiry this browser saw (the server cleared the cookie then).
        const code = err instanceof ApiError ? err.code : null;
        if (code === 'SESSION_EXPIRED' || (code === 'UNAUTHENTICATED' && expiredBefore())) {
          setExpired(true);
          rememberExpired(true);
        }
      });
    return () => {
      live = false;
    };
  }, []);

  const login = useCallback(async (input: LoginInput) => {
    const { user } = await authApi.login(input);
    setMe(user);
    setExpired(false);
    rememberExpired(false);
    setStatus('signed-in');
    return user;
  }, []);

  const logout = useCallback(async () => {
    try {
      await authApi.logout();
    } finally {
      setMe(null);
      setExpired(false);
      rememberExpired(false);
      setStatus('signed-out');
    }
  }, []);

  const refresh = useCallback(async () => {
    const m = await authApi.me();
    setMe(m);
  }, []);

  const value = useMemo<Session>(() => {
    const caps = new Set<string>(me?.capabilities ?? []);
    return {
      status,
      me,
      expired,
      can: (cap) => caps.has(cap),
      canAny: (list) => list.some((c) => caps.has(c)),
      login,
      logout,
      refresh,
    };
  }, [status, me, expired, login, logout, refresh]);

  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const v = useContext(SessionContext);
  if (!v) throw new Error('useSession outside SessionProvider');
  return v;
}

/** The signed-in user; only call below the route guard. */
export function useMe(): Me {
  const { me } = useSession();
  if (!me) throw new Error('useMe without a signed-in user');
  return me;
}
