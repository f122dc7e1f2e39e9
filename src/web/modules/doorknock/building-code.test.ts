import { describe, expect, it } from 'vitest';
import { buildingCodeOf } from './building-code.js';

describe('door-knocking: what a camera read of a building code is', () => {
  it("takes a building's posted code (its jurisdiction code, in a QR code)", () => {
    expect(buildingCodeOf({ text: '420502001001010203', linear: false })).toBe('420502001001010203');
    expect(buildingCodeOf({ text: ' 42050200100101\n', linear: false })).toBe('42050200100101');
  });

  it('refuses what is no building code: a resident code, a URL, a tube label, a short number', () => {
    expect(buildingCodeOf({ text: `BW2.${'A'.repeat(22)}.mh3k2k1.${'x'.repeat(86)}`, linear: false })).toBeNull();
    expect(buildingCodeOf({ text: 'https://example.com/42050200100101', linear: false })).toBeNull();
    expect(buildingCodeOf({ text: '42050200100101', linear: true })).toBeNull();
    expect(buildingCodeOf({ text: '12345', linear: false })).toBeNull();
  });
});
