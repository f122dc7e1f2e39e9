/**
 * Traditional → simplified with opencc-js: Taiwan variants first (臺 → 台), then Hong Kong variants,
 * each to mainland simplified. Character and variant dictionaries only, not the Taiwan phrase table
 * (`twp`), so wording (網路, 軟體) is converted character by character and never rewritten.
 */
import * as OpenCC from 'opencc-js';

let convert: ((s: string) => string) | undefined;

/** The text with every traditional or variant character in its mainland simplified form. */
export function toSimplified(text: string): string {
  if (!convert) {
    const tw = OpenCC.Converter({ from: 'tw', to: 'cn' });
    const hk = OpenCC.Converter({ from: 'hk', to: 'cn' });
    convert = (s) => hk(tw(s));
  }
  return convert(text);
}
