import { useMutation } from '@tanstack/react-query';
import { useCallback } from 'react';
import type { ApiError } from './http.js';
import { invalidatePaths } from './query.js';
import { toApiError } from './use-remote.js';

export interface Action<A extends unknown[], R> {
  /**
   * Runs the write; resolves with its answer, or with `undefined` when it failed (the failure is in
   * `error`), so a caller never needs its own try/catch.
   */
  run(...args: A): Promise<R | undefined>;
  /** True while the write runs (buttons show their spinner, forms stay disabled). */
  busy: boolean;
  /** The last failure, cleared when the write runs again or by `reset`. */
  error: ApiError | null;
  reset(): void;
}

export interface ActionOptions<R> {
  /** API paths whose cached answers the write changes (every cached GET is already marked stale by http.ts). */
  invalidate?: readonly string[];
  onSuccess?: (result: R) => void;
  onError?: (error: ApiError) => void;
}

/**
 * One write from a component, on TanStack Query's useMutation: the busy flag, the error and the
 * try/catch/finally that every form and button used to write by hand.
 */
export function useAction<A extends unknown[], R>(fn: (...args: A) => Promise<R>, options: ActionOptions<R> = {}): Action<A, R> {
  const m = useMutation<R, ApiError, A>({
    mutationFn: (args) => fn(...args).catch((err: unknown) => Promise.reject(toApiError(err))),
  });
  const { mutateAsync, reset } = m;
  const { invalidate, onSuccess, onError } = options;
  const run = useCallback(
    async (...args: A): Promise<R | undefined> => {
      try {
        const result = await mutateAsync(args);
        if (invalidate) invalidatePaths(invalidate);
        onSuccess?.(result);
        return result;
      } catch (err) {
        onError?.(toApiError(err));
        return undefined;
      }
    },
    [mutateAsync, invalidate, onSuccess, onError],
  );
  return { run, busy: m.isPending, error: m.error ?? null, reset };
}
