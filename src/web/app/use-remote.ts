import { useCallback, useEffect, useRef, useState, type DependencyList } from 'react';
import { ApiError } from './http.js';

export interface Remote<T> {
  data: T | undefined;
  error: ApiError | null;
  /** True while a load is running (the previous data stays visible meanwhile). */
  loading: boolean;
  /** Loads again (after a write, or on a live event). */
  reload(): void;
  /** Replaces the data locally (with the answer of a write). */
  setData(next: T): void;
}

/**
 * Loads data for a component and reloads when `deps` change. A newer load aborts the older one,
 * so a slow answer never overwrites a fresh one.
 */
export function useRemote<T>(load: (signal: AbortSignal) => Promise<T>, deps: DependencyList): Remote<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const ctrl = new AbortController();
    setLoading(true);
    loadRef
      .current(ctrl.signal)
      .then((d) => {
        if (ctrl.signal.aborted) return;
        setData(d);
        setError(null);
        setLoading(false);
      })
      .catch((err: unknown) => {
        if (ctrl.signal.aborted) return;
        setError(err instanceof ApiError ? err : new ApiError('CLIENT', 0, String((err as Error)?.message ?? err)));
        setLoading(false);
      });
    return () => ctrl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the caller's deps list (spread in) stands for the loader, a new closure each render
  }, [...deps, tick]);

  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data, error, loading, reload, setData };
}
