// The proof of work of the web's sign-up captcha (backend/captcha): find a
// decimal counter such that SHA-256(token + ":" + counter) starts with
// `difficulty` zero bits. The solution sent back is that very string.
// SHA-256 comes from @noble/hashes rather than crypto.subtle: subtle is
// asynchronous per hash (several times slower here) and exists only on
// HTTPS pages.
import { sha256 } from '@noble/hashes/sha2.js';

export function leadingZeroBits(hash: Uint8Array): number {
  let n = 0;
  for (const b of hash) {
    if (b !== 0) return n + Math.clz32(b) - 24;
    n += 8;
  }
  return n;
}

// solve tries counters from 0 up. The token's hash state is computed once
// and copied into one reused hash for each counter, so each try hashes only
// the last block and allocates nothing: about three times as fast as
// hashing the whole string each time.
export function solve(token: string, difficulty: number): string {
  const enc = new TextEncoder();
  const prefix = sha256.create().update(enc.encode(`${token}:`));
  const h = sha256.create();
  const digits = new Uint8Array(20);
  const out = new Uint8Array(32);
  for (let i = 0; ; i++) {
    const counter = String(i);
    const { written } = enc.encodeInto(counter, digits);
    prefix._cloneInto(h);
    h.update(digits.subarray(0, written)).digestInto(out);
    if (leadingZeroBits(out) >= difficulty) return `${token}:${counter}`;
  }
}
