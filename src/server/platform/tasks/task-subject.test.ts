import { describe, expect, it } from 'vitest';
import { subjectOf } from './tasks.dto.js';

// Issue 16: every task row names its subject. Rows written before migration 0032 have no subject
// column value: their title key's parameters still name one, and a person's own task may name none.
describe('a task row names its subject', () => {
  const row = (subject: string | null, kind: 'person' | 'tube' | 'place' | 'area' | null, params: object | null) => ({
    subject,
    subject_kind: kind,
    title_params: params ? JSON.stringify(params) : null,
  });

  it('uses the stored subject', () => {
    expect(subjectOf(row('黄*浩', 'person', { name: '别的名字' }))).toEqual({ kind: 'person', text: '黄*浩' });
  });

  it("falls back, for older rows, to the title key's name, barcode, area or place", () => {
    expect(subjectOf(row(null, null, { name: '吴*妍', due: { at: 1 } }))).toEqual({ kind: 'person', text: '吴*妍' });
    expect(subjectOf(row(null, null, { barcode: 'YC000123', result: { key: 'testing.result.positive' } }))).toEqual({ kind: 'tube', text: 'YC000123' });
    expect(subjectOf(row(null, null, { area: '滨江苑高风险区', step: { key: 'zoning.auto.step.low' } }))).toEqual({ kind: 'area', text: '滨江苑高风险区' });
    expect(subjectOf(row(null, null, { place: '农贸市场' }))).toEqual({ kind: 'place', text: '农贸市场' });
  });

  it('names none when nothing does (a task a person wrote, a count, a malformed parameter)', () => {
    expect(subjectOf(row(null, null, null))).toBeNull();
    expect(subjectOf(row(null, null, { n: 3 }))).toBeNull();
    expect(subjectOf({ subject: null, subject_kind: null, title_params: '{not json' })).toBeNull();
  });
});
