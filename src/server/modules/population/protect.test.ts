import { describe, expect, it } from 'vitest';
import { decrypt, deriveKeys, encrypt, hmac, maskIdNumber, maskPhone, normalizeIdNumber, normalizePhone } from './protect.js';

const keys = deriveKeys(Buffer.alloc(32, 9));
const other = deriveKeys(Buffer.alloc(32, 8));

describe('identity protection (encrypt, HMAC, mask)', () => {
  it('round-trips through AES-256-GCM, with a fresh IV each time', () => {
    const a = encrypt(keys, '42050219800506123X', 'person:p1:idNumber');
    const b = encrypt(keys, '42050219800506123X', 'person:p1:idNumber');
    expect(a).toMatch(/^v1\.[A-Za-z0-9_-]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('42050219800506123X');
    expect(decrypt(keys, a, 'person:p1:idNumber')).toBe('42050219800506123X');
    expect(decrypt(keys, b, 'person:p1:idNumber')).toBe('42050219800506123X');
  });

  it('refuses a ciphertext moved to another record or field, altered, or read with another key', () => {
    const c = encrypt(keys, '13812345678', 'person:p1:phone');
    expect(() => decrypt(keys, c, 'person:p2:phone')).toThrow();
    expect(() => decrypt(keys, c, 'person:p1:idNumber')).toThrow();
    expect(() => decrypt(other, c, 'person:p1:phone')).toThrow();
    const raw = Buffer.from(c.slice(3), 'base64url');
    raw[raw.length - 1] ^= 1;
    expect(() => decrypt(keys, `v1.${raw.toString('base64url')}`, 'person:p1:phone')).toThrow();
  });

  it('HMACs are stable per key and purpose, and the lookup key is not the encryption key', () => {
    expect(hmac(keys, 'phone', '13812345678')).toBe(hmac(keys, 'phone', '13812345678'));
    expect(hmac(keys, 'phone', '13812345678')).not.toBe(hmac(keys, 'id:passport', '13812345678'));
    expect(hmac(keys, 'phone', '13812345678')).not.toBe(hmac(other, 'phone', '13812345678'));
    expect(keys.mac.equals(keys.enc)).toBe(false);
    expect(hmac(keys, 'phone', '13812345678')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('masks resident IDs as 4205**********123* (district, birth date and check hidden) and mobiles as 138****5678', () => {
    expect(maskIdNumber('420502198005061234')).toBe('4205**********123*');
    expect(maskIdNumber('42050219800506123x')).toBe('4205**********123*');
    expect(maskPhone('13812345678')).toBe('138****5678');
    expect(maskPhone('+86 138-1234-5678')).toBe('138****5678');
    // Short documents keep at most a third of their characters.
    const passport = maskIdNumber('E12345678');
    expect(passport).toBe('E******78');
    expect(passport.replace(/\*/g, '').length).toBeLessThanOrEqual(3);
  });

  it('normalises numbers before hashing so spacing and case do not matter', () => {
    expect(normalizeIdNumber(' 420502 19800506 123x ')).toBe('42050219800506123X');
    expect(normalizePhone('+86 138 1234 5678')).toBe('13812345678');
  });
});
