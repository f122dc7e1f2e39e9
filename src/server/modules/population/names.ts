/**
 * Name keys for search and masked names for print. Pure functions.
 *
 * Search by pinyin (`zs` finds 张三, `zhangsan` too) runs on two columns computed at insert:
 * `name_initials` (first letter of each syllable or word) and `name_pinyin` (all syllables joined),
 * both lower-case ASCII, no tones, ü written `v`. Surnames use their surname reading (曾 zeng,
 * 单 shan, 解 xie). Queries compare them by prefix with a range (`>= q and < q+1`), which both
 * databases answer from a plain index.
 */
import { pinyin } from 'pinyin-pro';
import { LRUCache } from 'lru-cache';

export interface NameKeys {
  initials: string;
  pinyin: string;
}

/** The search keys of a name: `张三` → { initials: 'zs', pinyin: 'zhangsan' }. */
export function nameKeys(name: string): NameKeys {
  const parts = pinyin(name.trim(), { toneType: 'none', type: 'array', surname: 'head', v: true, nonZh: 'consecutive' });
  const tokens: string[] = [];
  for (const p of parts)
    for (const t of p
      .toLowerCase()
      .replace(/ü/g, 'v')
      .split(/[^a-z0-9]+/))
      if (t) tokens.push(t);
  return {
    initials: tokens
      .map((t) => t[0])
      .join('')
      .slice(0, 60),
    pinyin: tokens.join('').slice(0, 200),
  };
}

const cache = new LRUCache<string, NameKeys>({ max: 200_000 });

/** `nameKeys` with a bounded cache: generated and imported names repeat a lot. */
export function nameKeysCached(name: string): NameKeys {
  let k = cache.get(name);
  if (!k) cache.set(name, (k = nameKeys(name)));
  return k;
}

/**
 * A name as printed on resident-code sheets and other public-facing paper: the first character and,
 * from three characters on, the last; everything else `*` (张* · 张*丰 · 欧**娜).
 */
export function maskName(name: string): string {
  const chars = [...name.trim()];
  if (chars.length <= 1) return '*';
  if (chars.length === 2) return `${chars[0]}*`;
  return chars[0] + '*'.repeat(chars.length - 2) + chars[chars.length - 1];
}
