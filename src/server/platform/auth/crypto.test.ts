import { describe, expect, it } from 'vitest';
import { decrypt, decryptBytes, encrypt, hmacHex, safeEqual } from '../crypto.js';

describe('crypto helpers (AES-256-GCM)', () => {
  const key = Buffer.alloc(32, 1);

  it('round-trips text and bytes, with a fresh IV each time', () => {
    const a = encrypt(key, '42050219800101001X', 'person:1');
    const b = encrypt(key, '42050219800101001X', 'person:1');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(a).not.toContain('42050219800101001X');
    expect(decrypt(key, a, 'person:1')).toBe('42050219800101001X');
    expect(decryptBytes(key, encrypt(key, Buffer.from([0, 1, 2, 255])))).toEqual(Buffer.from([0, 1, 2, 255]));
  });

  it('refuses the wrong key, the wrong context and any tampering', () => {
    const sealed = encrypt(key, 'secret', 'totp:u1');
    expect(() => decrypt(Buffer.alloc(32, 2), sealed, 'totp:u1')).toThrow();
    expect(() => decrypt(key, sealed, 'totp:u2')).toThrow();
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3], 'base64url');
    body[0] ^= 1;
    expect(() => decrypt(key, [parts[0], parts[1], parts[2], body.toString('base64url')].join('.'), 'totp:u1')).toThrow();
    expect(() => decrypt(key, 'plain text', 'totp:u1')).toThrow(/sealed/);
    expect(() => encrypt(Buffer.alloc(16), 'x')).toThrow(/32-byte/);
  });

  it('gives stable keyed digests for exact lookups and compares in constant time', () => {
    expect(hmacHex(key, '13800138000')).toBe(hmacHex(key, '13800138000'));
    expect(hmacHex(key, '13800138000')).not.toBe(hmacHex(Buffer.alloc(32, 3), '13800138000'));
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
  });
});
