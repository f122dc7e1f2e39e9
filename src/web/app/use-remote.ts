import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useId, useRef, type DependencyList } from 'react';
import { ApiError } from './http.js';
import { invalidateAllGets } from './query.js';

export interface Remote<T> {
  data: T | undefined;
  error: ApiError | null;
  /** True while a load is running (the previous data stays visible meanwhile). */
  loading: boolean;
  /** Loads again (after a write, or on a live event). */
  reload(): void;
  /** Replaces the data locally (with the answer of a write). */
  setData(next: T): void;
  /** Epoch ms the data shown was loaded (0 before the first answer): a figure's "as of" when its answer carries none. */
  updatedAt: number;
}

/** Any failure as an ApiError (the pages show `code` and `message`). */
export function toApiError(err: unknown): ApiError {
  return err instanceof ApiError ? err : new ApiError('CLIENT', 0, String((err as Error)?.message ?? err));
}

/**
 * Loads data for a component and reloads when `deps` change, on TanStack Query. The loader's GETs go
 * through the shared cache keyed by URL and parameters (`http.get`, query.ts), so every caller gets
 * de-duplication and a short cache at once; this hook's own entry is per component instance
 * (`useId` + deps), because a loader may reshape the answers it reads. A newer load supersedes an
 * older one (its answer is dropped, its signal aborted), so a slow answer never overwrites a fresh one.
 */
export function useRemote<T>(load: (signal: AbortSignal) => Promise<T>, deps: DependencyList): Remote<T> {
  const client = useQueryClient();
  const id = useId();
  const queryKey = ['remote', id, ...deps];
  const q = useQuery<T, ApiError>({
    queryKey,
    queryFn: ({ signal }) => load(signal).catch((err: unknown) => Promise.reject(toApiError(err))),
    placeholderData: keepPreviousData,
    // The entry belongs to this component: nobody else reads it after it unmounts.
    gcTime: 0,
  });
  // reload and setData keep their identity (callers list them in effect deps) and act on the current key.
  const keyRef = useRef(queryKey);
  keyRef.current = queryKey;
  const reload = useCallback(() => {
    // A reload means "something changed": read past the shared cache.
    invalidateAllGets();
    void client.refetchQueries({ queryKey: keyRef.current, exact: true });
  }, [client]);
  const setData = useCallback((next: T) => void client.setQueryData(keyRef.current, next), [client]);
  return { data: q.data, error: q.error ?? null, loading: q.isFetching, reload, setData, updatedAt: q.dataUpdatedAt };
}
