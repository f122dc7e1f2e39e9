import { renderMessage, type MessageParam, type MessageRef } from '../../../common/message-text.js';

/**
 * A text a task or notification carries: a person's own words (a string, stored and shown as it is),
 * or a message key with parameters that a module wrote (shown in the reader's language).
 */
export type TextInput = string | MessageRef;

/** How a text is stored: the record text (Chinese for a key), and the key with its JSON parameters. */
export interface StoredText {
  text: string;
  key: string | null;
  params: string | null;
}

/** The columns for a text; a key's Chinese is rendered with instants in `tz` (BULWARK_TZ) for the record. */
export function storeText(t: TextInput, tz: string): StoredText {
  if (typeof t === 'string') return { text: t.trim(), key: null, params: null };
  return { text: renderMessage('zh-CN', t.key, t.params, t.key, { timeZone: tz }), key: t.key, params: t.params ? JSON.stringify(t.params) : null };
}

/** The parameters of a stored key (a malformed value reads as none). */
export function readParams(json: string | null): Record<string, MessageParam> | null {
  if (!json) return null;
  try {
    const v: unknown = JSON.parse(json);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, MessageParam>) : null;
  } catch {
    return null;
  }
}
