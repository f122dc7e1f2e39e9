import type { FormRule } from 'antd';

/**
 * Form rules derived from the server's limits (src/common/limits.ts, src/common/tasks.ts, …), so a form
 * never restates a `max(500)`: pass the same constant to `rulesFor()` and to the input's `maxLength`.
 */
export interface TextRuleOptions {
  /** A non-blank value is needed; `message` is shown when it is missing. */
  required?: boolean;
  message?: string;
  /** The fewest characters the server accepts, with its own message. */
  min?: number;
  minMessage?: string;
}

/** antd rules for a text field the server accepts up to `max` characters. */
export function rulesFor(max: number, o: TextRuleOptions = {}): FormRule[] {
  const rules: FormRule[] = [];
  if (o.required) rules.push({ required: true, whitespace: true, ...(o.message ? { message: o.message } : {}) });
  if (o.min !== undefined) rules.push({ min: o.min, ...(o.minMessage ? { message: o.minMessage } : {}) });
  rules.push({ max });
  return rules;
}
