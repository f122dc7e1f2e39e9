/** Helpers for materialised jurisdiction paths (`/420500/420502/…/`, trailing slash). */

/** The longest common jurisdiction path of a set of paths (`/420500/420502/` for two streets of 西陵区; `/` when they share nothing). */
export function commonPath(paths: Iterable<string>): string {
  let common: string[] | null = null;
  for (const p of paths) {
    const segs = p.split('/').filter(Boolean);
    if (!common) {
      common = segs;
      continue;
    }
    let i = 0;
    while (i < common.length && i < segs.length && common[i] === segs[i]) i++;
    common = common.slice(0, i);
  }
  return common && common.length ? `/${common.join('/')}/` : '/';
}
