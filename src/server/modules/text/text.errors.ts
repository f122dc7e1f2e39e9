import { defineErrors } from '../../platform/errors.js';

/** Why a text could not be restored at all (the CLI prints these; a future upload route answers 422). */
export const TextErrors = defineErrors({
  TEXT_EMPTY: [422, '文本为空 (the text is empty: no characters besides white space)'],
  TEXT_BINARY: [422, '不是文本文件 (the input is not text: it holds NUL bytes or control characters)'],
  TEXT_ENCODING_UNKNOWN: [422, '无法识别文本编码 (the encoding is not one of UTF-8, GB18030/GBK or Big5: no decoding gives valid, common Chinese text)'],
  TEXT_NO_MAIN_TEXT: [422, '网页中没有正文 (the HTML page has no main text once navigation, share buttons and footers are dropped)'],
});
