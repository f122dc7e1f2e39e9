import { describe, expect, it } from 'vitest';
import { cameraPrecondition, cameraProblemOf } from './camera.js';

describe("a phone's camera: why it cannot be used", () => {
  it('names insecure pages and browsers without a camera API before asking', () => {
    expect(cameraPrecondition({ isSecureContext: false, hasGetUserMedia: true })).toBe('insecure');
    expect(cameraPrecondition({ isSecureContext: true, hasGetUserMedia: false })).toBe('unsupported');
    expect(cameraPrecondition({ isSecureContext: true, hasGetUserMedia: true })).toBeNull();
  });

  it('maps the browser errors to a reason the sampler can act on', () => {
    expect(cameraProblemOf(new DOMException('denied', 'NotAllowedError'))).toBe('denied');
    expect(cameraProblemOf(new DOMException('none', 'NotFoundError'))).toBe('noCamera');
    expect(cameraProblemOf(new DOMException('busy', 'NotReadableError'))).toBe('busy');
    expect(cameraProblemOf(new TypeError('no constraints'))).toBe('unsupported');
  });
});
