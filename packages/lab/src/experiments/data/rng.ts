import { mulberry32 } from 'madgrad/experimental';

/**
 * Seeded pseudo-random numbers: every split, initialisation and batch order derives from a seed.
 * The stream is the library's mulberry32, started from the seed mixed with 0x9e3779b9 (the golden
 * ratio's bits), so that seeds 0, 1, 2... do not start from small states.
 */
export class Rng {
  /** Uniform in [0, 1). */
  readonly next: () => number;

  constructor(seed: number) {
    this.next = mulberry32((seed >>> 0) ^ 0x9e3779b9);
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A seed for an independent stream. */
  fork(): number {
    return Math.floor(this.next() * 2 ** 31);
  }

  /** Fisher-Yates shuffle in place. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = items[i]!;
      items[i] = items[j]!;
      items[j] = t;
    }
    return items;
  }
}

/** 0..n-1 in a seeded random order. */
export function permutation(n: number, seed: number): number[] {
  return new Rng(seed).shuffle(Array.from({ length: n }, (_, i) => i));
}
