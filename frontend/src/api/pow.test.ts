import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { leadingZeroBits, solve } from './pow';

describe('captcha proof of work', () => {
  it('counts leading zero bits', () => {
    expect(leadingZeroBits(new Uint8Array([0, 0, 0x80]))).toBe(16);
    expect(leadingZeroBits(new Uint8Array([0, 0x01, 0xff]))).toBe(15);
    expect(leadingZeroBits(new Uint8Array([0xff]))).toBe(0);
    expect(leadingZeroBits(new Uint8Array([0, 0]))).toBe(16);
  });

  it('finds a solution the server accepts: SHA-256 of the solution has the zero bits', () => {
    const token = 'v1.abc.12.1900000000.sig';
    const solution = solve(token, 12);
    expect(solution).toMatch(/^v1\.abc\.12\.1900000000\.sig:\d+$/);
    const hash = createHash('sha256').update(solution).digest();
    expect(leadingZeroBits(hash)).toBeGreaterThanOrEqual(12);
    // The first such counter: one fewer does not do.
    const counter = Number(solution.split(':')[1]);
    for (let i = 0; i < counter; i++) {
      expect(leadingZeroBits(createHash('sha256').update(`${token}:${i}`).digest())).toBeLessThan(12);
    }
  });
});
