import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useSession } from './session.js';

/** The jurisdiction chosen in the top bar (a global filter), as far as pages need it. */
export interface ChosenJurisdiction {
  id: string;
  name: string;
  /** Materialised path `/420500/420502/` (empty until known). */
  path: string;
  level: string;
}

interface JurisdictionFilter {
  /** The chosen jurisdiction; the user's own scope until they pick another. */
  current: ChosenJurisdiction | null;
  set(j: ChosenJurisdiction): void;
}

const JurisdictionContext = createContext<JurisdictionFilter | null>(null);

/**
 * The global jurisdiction filter. It starts at the signed-in user's own jurisdiction (their
 * scope), can only be narrowed inside it (the picker offers nothing else), and resets when the
 * user changes.
 */
export function JurisdictionProvider({ children }: { children: ReactNode }) {
  const { me } = useSession();
  const [current, setCurrent] = useState<ChosenJurisdiction | null>(null);
  useEffect(() => {
    setCurrent(me ? { id: me.jurisdiction.id, name: me.jurisdiction.name, path: me.jurisdiction.path, level: me.jurisdiction.level } : null);
  }, [me?.id, me?.jurisdiction.id]); // eslint-disable-line react-hooks/exhaustive-deps
  const value = useMemo<JurisdictionFilter>(() => ({ current, set: setCurrent }), [current]);
  return <JurisdictionContext.Provider value={value}>{children}</JurisdictionContext.Provider>;
}

export function useJurisdictionFilter(): JurisdictionFilter {
  const v = useContext(JurisdictionContext);
  if (!v) throw new Error('useJurisdictionFilter outside JurisdictionProvider');
  return v;
}
