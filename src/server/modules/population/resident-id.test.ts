import { describe, expect, it } from 'vitest';
import { makeResidentId, residentIdCheckChar, validateResidentId } from './resident-id.js';

const TODAY = '2026-11-29';

describe('resident ID validation (GB 11643-1999)', () => {
  it("accepts the standard's worked example and derives region, birth date and sex", () => {
    // GB 11643-1999 example: 11010519491231002X (female, born 1949-12-31, 北京市朝阳区).
    expect(residentIdCheckChar('11010519491231002')).toBe('X');
    expect(validateResidentId('11010519491231002x', TODAY)).toEqual({
      ok: true,
      idNumber: '11010519491231002X',
      region: '110105',
      birthDate: '1949-12-31',
      sex: 'female',
    });
  });

  it('computes check digits that validate for every sequence and both sexes', () => {
    for (let seq = 0; seq < 1000; seq += 37) {
      for (const sex of ['male', 'female'] as const) {
        const id = makeResidentId('420502', '1985-02-28', seq, sex);
        const v = validateResidentId(id, TODAY, { birthDate: '1985-02-28', sex });
        expect(v.ok, id).toBe(true);
      }
    }
  });

  it('names each rule that fails with its own code', () => {
    const good = makeResidentId('420502', '1980-05-06', 123, 'male');
    const wrongCheck = good.slice(0, 17) + (good[17] === '0' ? '1' : '0');
    expect(validateResidentId(wrongCheck, TODAY)).toMatchObject({ ok: false, code: 'RESIDENT_ID_CHECKSUM' });
    expect(validateResidentId('4205021980050612', TODAY)).toMatchObject({ ok: false, code: 'RESIDENT_ID_FORMAT' });
    expect(validateResidentId('42050219800506123A', TODAY)).toMatchObject({ ok: false, code: 'RESIDENT_ID_FORMAT' });
    const badRegion = '99' + good.slice(2, 17);
    expect(validateResidentId(badRegion + residentIdCheckChar(badRegion), TODAY)).toMatchObject({ ok: false, code: 'RESIDENT_ID_REGION' });
    const feb30 = '42050219800230123';
    expect(validateResidentId(feb30 + residentIdCheckChar(feb30), TODAY)).toMatchObject({ ok: false, code: 'RESIDENT_ID_BIRTH_DATE' });
    const future = makeResidentId('420502', '2027-01-01', 1, 'male');
    expect(validateResidentId(future, TODAY)).toMatchObject({ ok: false, code: 'RESIDENT_ID_BIRTH_DATE' });
    expect(validateResidentId(good, TODAY, { birthDate: '1980-05-07' })).toMatchObject({ ok: false, code: 'RESIDENT_ID_BIRTH_MISMATCH' });
    expect(validateResidentId(good, TODAY, { sex: 'female' })).toMatchObject({ ok: false, code: 'RESIDENT_ID_SEX_MISMATCH' });
  });

  it('catches a single mistyped digit (MOD 11-2 detects every single-digit error)', () => {
    const good = makeResidentId('420503', '1990-10-10', 456, 'female');
    for (let i = 0; i < 17; i++) {
      const d = good[i] === '7' ? '8' : '7';
      const typo = good.slice(0, i) + d + good.slice(i + 1);
      const v = validateResidentId(typo, TODAY);
      expect(v.ok, typo).toBe(false);
    }
  });
});
