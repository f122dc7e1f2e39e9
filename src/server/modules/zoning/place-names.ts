/**
 * Places written in full (issue 16: 社区 · 小区 · 栋 · 单元, never a bare 1单元), from a node's
 * materialised path and the names of its ancestors.
 */

/** `/a/b/c/` → [`/a/`, `/a/b/`, `/a/b/c/`]: the path of the node and of each ancestor, top down. */
export function pathPrefixes(path: string): string[] {
  const parts = path.split('/').filter(Boolean);
  return parts.map((_, i) => `/${parts.slice(0, i + 1).join('/')}/`);
}

/** Depths of a path's segments: city 1, district 2, street 3, community 4, compound 5, building 6, entrance 7. */
export const PLACE_DEPTH = { street: 3, community: 4 } as const;

/**
 * The names on a node's path from `fromDepth` down to the node, joined with ` · `
 * (from the community: 江南社区 · 滨江苑 · 1栋 · 1单元); the node's own name when it is above that depth.
 */
export function placeText(node: { path: string; name: string }, nameOf: ReadonlyMap<string, string>, fromDepth: number): string {
  const below = pathPrefixes(node.path)
    .slice(fromDepth - 1)
    .map((p) => nameOf.get(p) ?? '');
  return below.length ? below.join(' · ') : node.name;
}
