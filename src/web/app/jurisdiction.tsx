import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useSession } from './session.js';
import type { JurisdictionBrief } from '../../server/platform/auth/auth.schemas.js';

/** The jurisdiction chosen in the top bar (a global filter), as far as pages need it. */
/** Its materialised path `/420500/420502/` is empty until known. */
export type ChosenJurisdiction = Pick<JurisdictionBrief, 'id' | 'name' | 'path' | 'level'>;

interface JurisdictionFilter {
  /** The chosen jurisdiction; the user's own scope until they pick another. */
  current: ChosenJurisdiction | null;
  set(j: ChosenJurisdiction): void;
}

const JurisdictionContext = createContext<JurisdictionFilter | null>(null);

const STORAGE_KEY = 'bulwark.jurisdiction';

/** The choice survives a reload of the tab (sessionStorage), for the same user only. */
function restore(userId: string, scopePath: string): ChosenJurisdiction | null {
  try {
    const saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null') as { userId: string; j: ChosenJurisdiction } | null;
    if (saved?.userId === userId && saved.j.path.startsWith(scopePath)) return saved.j;
  } catch {
    // Unreadable or unavailable storage: start from the user's own jurisdiction.
  }
  return null;
}

/**
 * The global jurisdiction filter. It starts at the signed-in user's own jurisdiction (their
 * scope), can only be narrowed inside it (the picker offers nothing else), and resets when the
 * user changes.
 */
export function JurisdictionProvider({ children }: { children: ReactNode }) {
  const { me } = useSession();
  const [current, setCurrent] = useState<ChosenJurisdiction | null>(null);
  useEffect(() => {
    if (!me) return setCurrent(null);
    const own = { id: me.jurisdiction.id, name: me.jurisdiction.name, path: me.jurisdiction.path, level: me.jurisdiction.level };
    setCurrent(restore(me.id, own.path) ?? own);
  }, [me?.id, me?.jurisdiction.id]); // eslint-disable-line react-hooks/exhaustive-deps -- reset only when the user or their jurisdiction changes, not on each new me object
  const value = useMemo<JurisdictionFilter>(
    () => ({
      current,
      set: (j) => {
        setCurrent(j);
        try {
          if (me) sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ userId: me.id, j }));
        } catch {
          // Not kept across reloads; the choice still holds in this page.
        }
      },
    }),
    [current, me],
  );
  return <JurisdictionContext.Provider value={value}>{children}</JurisdictionContext.Provider>;
}

export function useJurisdictionFilter(): JurisdictionFilter {
  const v = useContext(JurisdictionContext);
  if (!v) throw new Error('useJurisdictionFilter outside JurisdictionProvider');
  return v;
}
