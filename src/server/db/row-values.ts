import type { z } from 'zod';

/**
 * A JSON text column read through its zod schema. Both dialects store these columns as text, written
 * by the application; a row that does not parse or does not match is a broken invariant, reported with
 * the column it came from (an internal error, never a silent `as T`).
 */
export function parseJsonColumn<S extends z.ZodType>(schema: S, text: string, column: string): z.output<S> {
  const r = schema.safeParse(JSON.parse(text));
  if (!r.success)
    throw new Error(
      `${column}: the stored JSON does not match its schema (${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')})`,
    );
  return r.data;
}

/**
 * A 0/1 flag column as a boolean. The flags are `integer` columns on both dialects (SQLite has no
 * boolean type; the PostgreSQL migrations use integer too, so pg returns a number as well).
 */
export const flag = (v: number): boolean => Number(v) === 1;
