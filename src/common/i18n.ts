/**
 * The interface's words, Chinese first with English, in one dictionary. The web shell reads it
 * through `useI18n()`; browser tests may import it to find labels. Terms follow
 * /work/shared/GLOSSARY.md (辖区 jurisdiction, 单位 unit, 任务 task, 通知/预警 notification/alert…).
 * Add a key in messages/<module>.ts (this file assembles them) before using it: the type `MessageKey` makes a missing one a compile error.
 */

import type { Pair } from './i18n-pair.js';
import { SHELL_MESSAGES } from './messages/shell.js';
import { DASHBOARD_MESSAGES } from './messages/dashboard.js';
import { GEO_MESSAGES } from './messages/geo.js';
import { TASKS_MESSAGES } from './messages/tasks.js';
import { NOTIFICATIONS_MESSAGES } from './messages/notifications.js';
import { POPULATION_MESSAGES } from './messages/population.js';
import { ADMIN_MESSAGES } from './messages/admin.js';
import { JOURNAL_LOG_MESSAGES } from './messages/journal-log.js';
import { CONTROL_MESSAGES } from './messages/control.js';
import { TESTING_MESSAGES } from './messages/testing.js';
import { PUBLIC_MESSAGES } from './messages/public.js';
import { CASES_MESSAGES } from './messages/cases.js';
import { QUARANTINE_MESSAGES } from './messages/quarantine.js';
import { ZONING_MESSAGES } from './messages/zoning.js';
import { SITUATION_MESSAGES } from './messages/situation.js';
import { CONTROL_REVIEW_MESSAGES } from './messages/control-review.js';
import { JOURNAL_MESSAGES } from './messages/journal.js';
import { PERSONS_PRIVACY_MESSAGES } from './messages/persons.js';
import { DOORKNOCK_MESSAGES } from './messages/doorknock.js';
import { LANDING_MESSAGES } from './messages/landing.js';
import { JOURNAL_ACTION_MESSAGES } from './messages/journal-actions.js';

/** Languages the interface speaks. zh-CN is the default. */
export const LANGS = ['zh-CN', 'en'] as const;
export type Lang = (typeof LANGS)[number];

export const MESSAGES = {
  ...SHELL_MESSAGES,
  ...DASHBOARD_MESSAGES,
  ...GEO_MESSAGES,
  ...TASKS_MESSAGES,
  ...NOTIFICATIONS_MESSAGES,
  ...POPULATION_MESSAGES,
  ...ADMIN_MESSAGES,
  ...JOURNAL_LOG_MESSAGES,
  ...CONTROL_MESSAGES,
  ...TESTING_MESSAGES,
  ...PUBLIC_MESSAGES,
  ...CASES_MESSAGES,
  ...QUARANTINE_MESSAGES,
  ...ZONING_MESSAGES,
  ...SITUATION_MESSAGES,
  ...CONTROL_REVIEW_MESSAGES,
  ...JOURNAL_MESSAGES,
  ...PERSONS_PRIVACY_MESSAGES,
  ...DOORKNOCK_MESSAGES,
  ...LANDING_MESSAGES,
  ...JOURNAL_ACTION_MESSAGES,
} as const satisfies Record<string, Pair>;

export type MessageKey = keyof typeof MESSAGES;

/** The text of `key` in `lang`, with `{name}` placeholders replaced from `params`. */
export function translate(lang: Lang, key: MessageKey, params?: Record<string, string | number>): string {
  const pair: Pair = MESSAGES[key];
  let text = lang === 'en' ? pair[1] : pair[0];
  if (params) text = text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
  return text;
}

/** Picks the right half of a `{ zh, en }` label (roles, unit kinds, levels from src/common). */
export function pickLabel(lang: Lang, label: { zh: string; en: string } | undefined, fallback = ''): string {
  if (!label) return fallback;
  return lang === 'en' ? label.en : label.zh;
}
