/**
 * Items of lists the code knows are there (noUncheckedIndexedAccess): the first or last row of a
 * page just checked non-empty, the DTO of the one row given. A missing item is a bug, not a user's
 * error: it throws naming what was expected.
 */
export function firstItem<T>(items: readonly T[], what: string): T {
  if (items.length === 0) throw new Error(`expected ${what}, found none`);
  return items[0] as T;
}

/** The last item (see firstItem). */
export function lastItem<T>(items: readonly T[], what: string): T {
  if (items.length === 0) throw new Error(`expected ${what}, found none`);
  return items[items.length - 1] as T;
}

/** The item at `i` of a list known to be at least that long (two lists built side by side). */
export function itemAt<T>(items: readonly T[], i: number, what: string): T {
  if (i < 0 || i >= items.length) throw new Error(`expected ${what} at ${i}, found none`);
  return items[i] as T;
}
