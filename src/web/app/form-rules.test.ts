import { describe, expect, it } from 'vitest';
import { rulesFor } from './form-rules.js';
import { IDENTITY_LIMITS } from '../../common/limits.js';
import { createUserBody } from '../../server/platform/auth/auth.schemas.js';

describe('rulesFor', () => {
  it('an optional field gets only the maximum', () => {
    expect(rulesFor(500)).toEqual([{ max: 500 }]);
  });

  it('a required field refuses blanks, with its message, then the minimum and maximum', () => {
    expect(rulesFor(128, { required: true, message: 'needed', min: 10, minMessage: 'too short' })).toEqual([
      { required: true, whitespace: true, message: 'needed' },
      { min: 10, message: 'too short' },
      { max: 128 },
    ]);
  });

  it('the limit a form derives is the one the server schema enforces', () => {
    const body = { username: 'zhang.san', password: 'x'.repeat(IDENTITY_LIMITS.passwordMin), unitId: 'u1', roles: ['admin'] };
    expect(createUserBody.safeParse({ ...body, displayName: 'a'.repeat(IDENTITY_LIMITS.displayName) }).success).toBe(true);
    expect(createUserBody.safeParse({ ...body, displayName: 'a'.repeat(IDENTITY_LIMITS.displayName + 1) }).success).toBe(false);
    expect(createUserBody.safeParse({ ...body, displayName: 'Zhang', password: 'x'.repeat(IDENTITY_LIMITS.passwordMin - 1) }).success).toBe(false);
  });
});
