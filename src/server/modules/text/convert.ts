/**
 * Traditional → simplified with opencc-js: Taiwan variants first (臺 → 台), then Hong Kong variants,
 * each to mainland simplified. Character and variant dictionaries only, not the Taiwan phrase table
 * (`twp`), so wording (網路, 軟體) is converted character by character and never rewritten.
 */
import * as OpenCC from 'opencc-js';

let tw: ((s: string) => string) | undefined;
let hk: ((s: string) => string) | undefined;

/** The text with every traditional or variant character in its mainland simplified form. */
export function toSimplified(text: string): string {
  tw ??= OpenCC.Converter({ from: 'tw', to: 'cn' });
  hk ??= OpenCC.Converter({ from: 'hk', to: 'cn' });
  return hk(tw(text));
}
