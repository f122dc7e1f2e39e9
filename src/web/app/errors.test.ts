import { describe, expect, it } from 'vitest';
import { translate, type Lang, type MessageKey } from '../../common/i18n.js';
import { errorText } from './errors.js';
import { ApiError } from './http.js';

const say = (err: unknown, lang: Lang) => errorText(err, (k: MessageKey) => translate(lang, k), lang);

describe('error toasts (issue 16: no English in the Chinese interface)', () => {
  it("words a module's error code from the dictionary, in the interface language", () => {
    const err = new ApiError('LOOKUP_RATE_LIMITED', 429, 'Too many lookups');
    expect(say(err, 'zh-CN')).toBe('查询过于频繁，请稍后再试');
    expect(say(err, 'en')).toBe('Too many lookups; retry shortly');
  });

  it('never shows an English-only server message in Chinese: the status says it instead', () => {
    expect(say(new ApiError('CLUSTER_NOT_FOUND', 404, 'Cluster not found'), 'zh-CN')).toBe('记录不存在或不在您的辖区内');
    expect(say(new ApiError('SOMETHING_NEW', 422, 'Some rule refused it'), 'zh-CN')).toBe('操作失败 (422)');
    // English readers still get the server's own words.
    expect(say(new ApiError('CLUSTER_NOT_FOUND', 404, 'Cluster not found'), 'en')).toBe('Cluster not found');
    // A bilingual message shows its Chinese half.
    expect(say(new ApiError('IMPORT_INVALID', 422, '导入文件有错误行 (some rows are invalid)'), 'zh-CN')).toBe('导入文件有错误行');
  });
});
