import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { flag, parseJsonColumn } from './row-values.js';

describe('row values', () => {
  const ids = z.array(z.string());

  it('parseJsonColumn returns the parsed value when the stored JSON matches its schema', () => {
    expect(parseJsonColumn(ids, '["a","b"]', 't.c')).toEqual(['a', 'b']);
    expect(parseJsonColumn(z.looseObject({ text: z.string() }), '{"text":"x","caseId":"c1"}', 't.c')).toEqual({ text: 'x', caseId: 'c1' });
  });

  it('parseJsonColumn names the column when the stored JSON does not match, and rejects text that is not JSON', () => {
    expect(() => parseJsonColumn(ids, '["a",2]', 'zoning_areas.basis_case_ids')).toThrow(/^zoning_areas\.basis_case_ids: .*1:/);
    expect(() => parseJsonColumn(ids, '{"a":1}', 'persons.tags')).toThrow(/^persons\.tags: /);
    expect(() => parseJsonColumn(ids, 'not json', 'persons.tags')).toThrow(SyntaxError);
  });

  it('flag turns a 0/1 integer column into a boolean', () => {
    expect(flag(1)).toBe(true);
    expect(flag(0)).toBe(false);
  });
});
