/**
 * The text module as other code sees it: restoration of scraped Chinese text (no routes, no
 * tables). Other modules and the CLI import from here only.
 */
export { normalizeText, type NormalizedText } from './normalize.js';
export { TextErrors } from './text.errors.js';
