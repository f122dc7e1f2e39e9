/**
 * Inline pinyin that reposting sites insert after characters: 會(huì)议, 網(wǎng)絡(luò), or one
 * annotation for a word: 网络(wǎng luò). An annotation goes only when every syllable is a reading of
 * the character it follows (pinyin-pro's readings, all of them for a polyphonic character), so
 * genuine parenthesised text stays: (记者雷鹏程), (2022), (试行), (PCR).
 */
import { pinyin } from 'pinyin-pro';
import { isHan } from './charset.js';

const TONED = 'āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ';
const ANNOTATION = new RegExp(`[(（]([a-z${TONED}]+(?:[ '][a-z${TONED}]+)*)[)）]`, 'giu');

const readings = new Map<string, Set<string>>();

function readingsOf(ch: string): Set<string> {
  let r = readings.get(ch);
  if (!r) {
    r = new Set((pinyin(ch, { multiple: true, type: 'array' }) as string[]).map((s) => s.normalize('NFC').toLowerCase()));
    readings.set(ch, r);
  }
  return r;
}

/** One removed annotation: where it stood (index into the input), the characters it followed and the annotation. */
export interface PinyinRemoval {
  index: number;
  chars: string;
  annotation: string;
}

/** The text without the annotations that are readings of the characters before them. */
export function removeInlinePinyin(text: string): { text: string; removed: PinyinRemoval[] } {
  const removed: PinyinRemoval[] = [];
  const out = text.replace(ANNOTATION, (all: string, body: string, index: number) => {
    const syllables = body.normalize('NFC').toLowerCase().split(/[ ']/);
    const before = [...text.slice(Math.max(0, index - syllables.length * 2), index)].slice(-syllables.length);
    if (before.length !== syllables.length) return all;
    const ok = before.every((ch, k) => isHan(ch) && readingsOf(ch).has(syllables[k]!));
    if (!ok) return all;
    removed.push({ index, chars: before.join(''), annotation: all });
    return '';
  });
  return { text: out, removed };
}
