import type { Compilable, CompiledQuery } from 'kysely';
import type { DbOrTx } from './dialect.js';

/**
 * A hot read (the session behind every request, the public lookup, single scans, the tube scope
 * check) built and compiled by Kysely once per database adapter, then run with new parameters:
 * building and compiling is about a quarter of a small query's CPU. `build` gets the placeholders (distinct values) where the real
 * arguments go; each call puts its arguments in their places. The SQL is Kysely's own for the
 * dialect, so nothing here branches on it.
 */
export function hotQuery<R, A extends unknown[]>(build: (db: DbOrTx, ...args: A) => Compilable<R>, placeholders: A) {
  const compiled = new WeakMap<object, { query: CompiledQuery<R>; at: number[] }>();
  const compiledFor = (db: DbOrTx) => {
    const key = db.getExecutor().adapter;
    let c = compiled.get(key);
    if (!c) {
      const query = build(db, ...placeholders).compile();
      const at = placeholders.map((p) => query.parameters.indexOf(p));
      if (at.some((i) => i < 0) || new Set(at).size !== at.length) throw new Error('hotQuery: every placeholder must appear once among the parameters');
      compiled.set(key, (c = { query, at }));
    }
    return c;
  };
  const run = async (db: DbOrTx, ...args: A): Promise<R[]> => {
    const c = compiledFor(db);
    const parameters = [...c.query.parameters];
    c.at.forEach((i, k) => (parameters[i] = args[k]));
    return (await db.executeQuery<R>({ ...c.query, parameters })).rows;
  };
  /** The SQL and parameters this query runs with these arguments (plans in harnesses and tests). */
  run.bound = (db: DbOrTx, ...args: A): { sql: string; parameters: readonly unknown[] } => {
    const c = compiledFor(db);
    const parameters = [...c.query.parameters];
    c.at.forEach((i, k) => (parameters[i] = args[k]));
    return { sql: c.query.sql, parameters };
  };
  return run;
}
