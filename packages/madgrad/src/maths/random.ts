/**
 * A seeded uniform generator on [0, 1): mulberry32 (Tommy Ettinger's 32-bit generator). The same
 * seed always gives the same sequence, on every platform, so examples, tests and experiments can
 * be replayed exactly. Not for cryptography.
 *
 * @param seed Any number; it is taken modulo 2^32.
 * @returns A function returning the next value of the sequence at each call.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
