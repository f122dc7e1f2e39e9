/**
 * Text for people written by the server (alerts, the titles and descriptions of tasks that modules
 * dispatch) travels as a message key with parameters, never as a `中文 · English` string. The web
 * renders it in the interface language; the server renders the Chinese once, for the stored record
 * and the journal. Dates travel as values and are formatted by whoever renders them.
 */
import { MESSAGES, translate, type Lang, type MessageKey } from './i18n.js';

/**
 * One parameter: text or a number as it is; `{ at }` an instant (epoch ms); `{ day }` a calendar day
 * (`YYYY-MM-DD`, already in BULWARK_TZ); `{ key, params? }` another message (a level, a phase, a
 * task's own title); `{ list }` numbers or texts joined the language's way (days 1, 2, 3).
 */
export type MessageParam = string | number | { at: number } | { day: string } | MessageRef | { list: readonly (string | number)[] };

/** A message key and its parameters. */
export interface MessageRef {
  key: MessageKey;
  params?: Record<string, MessageParam>;
}

/** Builds a message reference (`msg('task.auto.recheck', { name })`). */
export function msg(key: MessageKey, params?: Record<string, MessageParam>): MessageRef {
  return params ? { key, params } : { key };
}

/** Whether a string is a key of the dictionary (a key stored by a newer server may be unknown here). */
export function isMessageKey(key: string): key is MessageKey {
  return Object.prototype.hasOwnProperty.call(MESSAGES, key);
}

function formatParam(lang: Lang, p: MessageParam, timeZone: string | undefined): string | number {
  if (typeof p === 'string' || typeof p === 'number') return p;
  // One date format in both languages (issue 16; the web's formatTime): 2026-12-07 16:30, a day 2026-12-07.
  if ('at' in p) {
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
        .formatToParts(p.at)
        .map((x) => [x.type, x.value]),
    );
    return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
  }
  if ('day' in p) return p.day;
  if ('key' in p) return renderMessage(lang, p.key, p.params, p.key, { timeZone });
  return p.list.join(lang === 'en' ? ', ' : '、');
}

/**
 * The text of a stored message in `lang`. `key` is a string because it comes from storage: an
 * unknown key (or none) gives `fallback`, the stored text. `timeZone` formats instants (the server
 * passes BULWARK_TZ; the browser its own).
 */
export function renderMessage(
  lang: Lang,
  key: string | null | undefined,
  params: Record<string, MessageParam> | null | undefined,
  fallback = '',
  o: { timeZone?: string } = {},
): string {
  if (!key || !isMessageKey(key)) return fallback;
  const values: Record<string, string | number> = {};
  for (const [name, p] of Object.entries(params ?? {})) values[name] = formatParam(lang, p, o.timeZone);
  return translate(lang, key, values);
}
